// Carries Gemini thought signatures through OpenAI clients inside the synthetic tool-call id.
//
// Gemini 2.5/3 attach `thoughtSignature` to a functionCall part and Gemini 3 answers 400 if the next request
// does not send it back on that part (wire doc §2.2). OpenAI clients only echo the tool-call id, so the id
// is the carrier: `call_<24 hex>_gts_<base64url signature>`. Self-contained, it survives gateway restarts
// and works across replicas, unlike a cache. Only [A-Za-z0-9_-] is used, so the id stays valid for
// upstreams with strict id patterns (Anthropic's tool_use ids) if a conversation falls back to them.
//
// Length: recorded signatures are 100–1,500 base64 chars (fixtures gemini-*). Ids up to ~2 KB are fine for
// clients and logs; a longer signature is kept in a bounded in-process cache instead (the id then stays a
// plain `call_…`). A cache miss (restart, other replica) degrades to Google's documented placeholder
// `skip_thought_signature_validator` on Gemini 3 rather than failing the request.
import { newToolCallId } from '../chunks.js';

export const SKIP_THOUGHT_SIGNATURE_VALIDATOR = 'skip_thought_signature_validator';

const MARKER = '_gts_';
const CANONICAL_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const ID_PATTERN = /^(call_[0-9a-f]{24})_gts_([A-Za-z0-9_-]+)$/;

export interface ThoughtSignatureCodecOptions {
  /** Longest base64url signature embedded in an id; longer ones go to the cache. */
  maxInlineLength?: number;
  /** Entries kept for signatures too long to inline (oldest evicted first). */
  cacheSize?: number;
}

export class ThoughtSignatureCodec {
  private readonly maxInlineLength: number;
  private readonly cacheSize: number;
  private readonly cache = new Map<string, string>();

  constructor(options: ThoughtSignatureCodecOptions = {}) {
    this.maxInlineLength = options.maxInlineLength ?? 2048;
    this.cacheSize = options.cacheSize ?? 1024;
  }

  /** A fresh OpenAI tool-call id that remembers `signature` (if any). */
  newId(signature?: string | null): string {
    const base = newToolCallId();
    if (!signature) return base;
    const encoded = toBase64Url(signature);
    // Only canonical base64 is re-padded exactly on the way back; anything else goes to the cache.
    if (encoded.length <= this.maxInlineLength && CANONICAL_BASE64.test(signature)) return `${base}${MARKER}${encoded}`;
    this.cache.set(base, signature);
    if (this.cache.size > this.cacheSize) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    return base;
  }

  /** The signature remembered by `id`, in the standard base64 Gemini sent it in; undefined if none. */
  signatureOf(id: string): string | undefined {
    const match = ID_PATTERN.exec(id);
    if (match?.[2]) return fromBase64Url(match[2]);
    return this.cache.get(id);
  }
}

/** The signature is a protobuf bytes field: standard base64 on the wire, URL-safe here (same bytes). */
function toBase64Url(signature: string): string {
  return signature.replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

function fromBase64Url(encoded: string): string {
  const standard = encoded.replaceAll('-', '+').replaceAll('_', '/');
  return standard + '='.repeat((4 - (standard.length % 4)) % 4);
}

/** The process-wide codec (its cache is only a fallback for oversize signatures). */
export const defaultSignatureCodec = new ThoughtSignatureCodec();
