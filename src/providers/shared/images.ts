// Remote image URLs → bytes, the one fetcher for every adapter whose upstream needs inline images (Gemini, Ollama /v1,
// LM Studio): https only by default, redirects re-checked, size-bounded, type from the header or the bytes.
import { GatewayError } from '../../errors.js';
import type { ChatMessage, UserContentPart } from '../../schemas/chat-request.js';
import { discardBody, sendUpstream, type UpstreamResponse } from '../../upstream/http.js';
import type { Dispatcher } from 'undici';

export interface FetchedImage {
  mimeType: string;
  data: Buffer;
}

/** Fetches one image; throws GatewayError. Injected so tests (and other adapters) can replace the transport. */
export type ImageFetcher = (url: string, signal: AbortSignal) => Promise<FetchedImage>;

export interface ImageFetcherOptions {
  dispatcher?: Dispatcher;
  /** Who asked, for error messages. */
  provider: string;
  /** Largest image accepted (default 20 MiB: OpenAI's own per-image limit, and Gemini's whole inline request limit). */
  maxBytes?: number;
  timeoutMs?: number;
  /** Plain http URLs are refused unless allowed (keeps the gateway off internal http services). */
  allowHttp?: boolean;
  /** Accept application/pdf too (Gemini reads PDFs sent as image_url). */
  allowPdf?: boolean;
}

const MAX_REDIRECTS = 3;

function badImage(url: string, reason: string, param?: string): GatewayError {
  return new GatewayError({ status: 400, message: `Could not fetch image ${url.slice(0, 200)}: ${reason}`, code: 'invalid_image_url', param: param ?? null });
}

/** Magic numbers for servers that label images application/octet-stream. */
function sniffType(data: Buffer): string | undefined {
  if (data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'image/jpeg';
  if (data.subarray(0, 4).toString('latin1') === 'GIF8') return 'image/gif';
  if (data.subarray(0, 4).toString('latin1') === 'RIFF' && data.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
  if (data.subarray(0, 5).toString('latin1') === '%PDF-') return 'application/pdf';
  return undefined;
}

const EXTENSION_TYPES: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', webp: 'image/webp', gif: 'image/gif', heic: 'image/heic', heif: 'image/heif', pdf: 'application/pdf' };

/** Last resort for untyped bodies whose bytes we cannot sniff (HEIC): the URL's extension. */
function typeFromExtension(url: string): string | undefined {
  const ext = /\.([a-z0-9]+)$/i.exec(new URL(url).pathname)?.[1]?.toLowerCase();
  return ext ? EXTENSION_TYPES[ext] : undefined;
}

async function readBounded(res: UpstreamResponse, url: string, maxBytes: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array);
    size += buf.length;
    if (size > maxBytes) {
      res.body.destroy();
      throw badImage(url, `larger than ${maxBytes} bytes`);
    }
    parts.push(buf);
  }
  return Buffer.concat(parts);
}

/**
 * Downloads through the provider's dispatcher (so HTTPS_PROXY applies). Failures are the client's URL, not the
 * provider's: 400s that neither retry nor trip a circuit. An abort (client gone, timeout) stays an abort.
 */
export function createImageFetcher(options: ImageFetcherOptions): ImageFetcher {
  const maxBytes = options.maxBytes ?? 20 * 1024 * 1024;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const accepted = (type: string) => type.startsWith('image/') || (options.allowPdf === true && type === 'application/pdf');
  return async (url, signal) => {
    const failed = (err: unknown): never => {
      if (signal.aborted) throw signal.reason ?? err;
      if (err instanceof GatewayError && err.code === 'invalid_image_url') throw err;
      throw badImage(url, err instanceof Error ? err.message : String(err));
    };
    let current = url;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const protocol = new URL(current).protocol;
      if (protocol !== 'https:' && !(protocol === 'http:' && options.allowHttp)) throw badImage(url, `${protocol} URLs are not fetched`);
      const res = await sendUpstream({
        provider: options.provider,
        method: 'GET',
        url: current,
        headers: { accept: options.allowPdf ? 'image/*, application/pdf' : 'image/*' },
        signal,
        dispatcher: options.dispatcher,
        headersTimeoutMs: timeoutMs,
        bodyTimeoutMs: timeoutMs,
      }).catch(failed);
      const location = res.headers.location;
      if (res.status >= 300 && res.status < 400 && typeof location === 'string') {
        discardBody(res);
        current = new URL(location, current).toString();
        continue;
      }
      if (res.status !== 200) {
        discardBody(res);
        throw badImage(url, `HTTP ${res.status}`);
      }
      if (Number(res.headers['content-length'] ?? 0) > maxBytes) {
        discardBody(res);
        throw badImage(url, `larger than ${maxBytes} bytes`);
      }
      const data = await readBounded(res, url, maxBytes).catch(failed);
      const declared = String(res.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
      const untyped = declared === '' || declared === 'application/octet-stream' || declared === 'binary/octet-stream';
      const mimeType = accepted(declared) ? declared : (sniffType(data) ?? (untyped ? typeFromExtension(current) : undefined));
      if (!mimeType || !accepted(mimeType)) throw badImage(url, `not an image (content-type '${declared || 'none'}')`);
      return { mimeType, data };
    }
    throw badImage(url, 'too many redirects');
  };
}

function isRemote(url: string): boolean {
  return /^https?:\/\//i.test(url);
}

/**
 * Fetches every distinct http(s) `image_url` of the user messages once, in parallel; `include` narrows which
 * (Gemini leaves its own Files API URLs alone). A failing URL's 400 names the part in `param`.
 */
export async function fetchImageUrls(
  messages: ChatMessage[],
  fetchImage: ImageFetcher,
  signal: AbortSignal,
  include: (url: string) => boolean = () => true,
): Promise<Map<string, FetchedImage>> {
  const pending = new Map<string, Promise<FetchedImage>>();
  messages.forEach((m, i) => {
    if (m.role !== 'user' || typeof m.content === 'string') return;
    m.content.forEach((part, j) => {
      if (part.type !== 'image_url') return;
      const url = part.image_url.url;
      if (!isRemote(url) || pending.has(url) || !include(url)) return;
      const param = `messages[${i}].content[${j}].image_url.url`;
      pending.set(
        url,
        fetchImage(url, signal).catch((err: unknown) => {
          throw err instanceof GatewayError && err.status === 400 ? new GatewayError({ status: 400, message: err.message, code: err.code, param }) : err;
        }),
      );
    });
  });
  // Promise.all handles every rejection, so a second failing fetch is never left unhandled.
  const images = await Promise.all(pending.values());
  return new Map([...pending.keys()].map((url, k) => [url, images[k]!]));
}

/** Replaces every http(s) `image_url` in user messages by a data URL. Returns the same array when there is nothing to fetch. */
export async function inlineImageUrls(messages: ChatMessage[], fetchImage: ImageFetcher, signal: AbortSignal): Promise<ChatMessage[]> {
  const fetched = await fetchImageUrls(messages, fetchImage, signal);
  if (fetched.size === 0) return messages;
  const dataUrl = (img: FetchedImage) => `data:${img.mimeType};base64,${img.data.toString('base64')}`;
  const swap = (part: UserContentPart): UserContentPart => {
    const img = part.type === 'image_url' ? fetched.get(part.image_url.url) : undefined;
    return img && part.type === 'image_url' ? { ...part, image_url: { ...part.image_url, url: dataUrl(img) } } : part;
  };
  return messages.map((m) => (m.role === 'user' && typeof m.content !== 'string' ? { ...m, content: m.content.map(swap) } : m));
}
