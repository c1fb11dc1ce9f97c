// Remote image URLs → bytes, the one fetcher for every adapter whose upstream needs inline images (Gemini, Ollama /v1,
// LM Studio): https to public addresses only (judged at connect time), every redirect judged again, bounded in size
// and time, type from the header or the bytes, and one generic 400 for whatever went wrong.
import type { Dispatcher } from 'undici';
import { GatewayError } from '../errors.js';
import type { ChatMessage, UserContentPart } from '../schemas/chat-request.js';
import { createGuardedAgent, isAllowedHost, parseHostEntry, sharedGuardedAgent, type GuardOptions } from '../upstream/guarded-agent.js';
import { discardBody, sendUpstream, type UpstreamResponse } from '../upstream/http.js';

export interface FetchedImage {
  mimeType: string;
  data: Buffer;
}

/** Fetches one image; throws GatewayError. Injected so tests (and other adapters) can replace the transport. */
export type ImageFetcher = (url: string, signal: AbortSignal) => Promise<FetchedImage>;

/** Who may be fetched (IMAGE_FETCH, IMAGE_FETCH_ALLOW_HOSTS): public addresses and the allow-list, the list only, or none. */
export interface ImageFetchPolicy {
  mode: 'public' | 'allowlist' | 'off';
  allowHosts: string[];
}

export const DEFAULT_IMAGE_FETCH_POLICY: ImageFetchPolicy = { mode: 'public', allowHosts: [] };

export interface ImageFetcherOptions {
  /** Who asked (kept for callers; messages never name the target). */
  provider: string;
  /** Largest image accepted (default 20 MiB: OpenAI's own per-image limit, and Gemini's whole inline request limit). */
  maxBytes?: number;
  /** The whole fetch, redirects included. */
  timeoutMs?: number;
  /** Plain http URLs are refused unless allowed (a code-only seam: no env or config reaches it). */
  allowHttp?: boolean;
  /** Accept application/pdf too (Gemini reads PDFs sent as image_url). */
  allowPdf?: boolean;
  policy?: ImageFetchPolicy;
  /**
   * Ignored: images never go through a provider's pool, whose proxy would connect where the address guard cannot
   * see. Kept so adapters that still pass it compile.
   */
  dispatcher?: Dispatcher;
  /** Test seam: fetch through this dispatcher with no address guard (a loopback image server). */
  transport?: Dispatcher;
  /** Test seam: the guard's resolver (see createGuardedAgent). */
  lookup?: GuardOptions['lookup'];
}

const MAX_REDIRECTS = 3;

/** One answer for every refusal and failure: which host, port or TLS error it was must not reach the client. */
const UNFETCHABLE = 'The image URL could not be fetched: only https images on public hosts are fetched. Send the image as a data URL instead.';

function badImage(message: string = UNFETCHABLE): GatewayError {
  return new GatewayError({ status: 400, type: 'invalid_request_error', message, code: 'invalid_image_url' });
}

const fetchingOff = () => badImage('This gateway does not fetch remote image URLs (IMAGE_FETCH=off). Send the image as a data URL instead.');

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
function typeFromExtension(url: URL): string | undefined {
  const ext = /\.([a-z0-9]+)$/i.exec(url.pathname)?.[1]?.toLowerCase();
  return ext ? EXTENSION_TYPES[ext] : undefined;
}

async function readBounded(res: UpstreamResponse, maxBytes: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array);
    size += buf.length;
    if (size > maxBytes) {
      res.body.destroy();
      throw badImage(`The image is larger than ${maxBytes} bytes.`);
    }
    parts.push(buf);
  }
  return Buffer.concat(parts);
}

/**
 * Downloads through the address-guarded agent, following at most MAX_REDIRECTS redirects by hand so each hop is
 * judged again. Failures are the client's URL, not the provider's: 400s that neither retry nor trip a circuit.
 * An abort (client gone) stays an abort.
 */
export function createImageFetcher(options: ImageFetcherOptions): ImageFetcher {
  const maxBytes = options.maxBytes ?? 20 * 1024 * 1024;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const policy = options.policy ?? DEFAULT_IMAGE_FETCH_POLICY;
  const listed = policy.allowHosts.map(parseHostEntry).filter((e) => e !== undefined);
  const accepted = (type: string) => type.startsWith('image/') || (options.allowPdf === true && type === 'application/pdf');
  let transport = options.transport;
  const refusedUpFront = (url: URL) =>
    (url.protocol !== 'https:' && !(url.protocol === 'http:' && options.allowHttp)) ||
    url.username !== '' ||
    url.password !== '' ||
    (policy.mode === 'allowlist' && !isAllowedHost(listed, url.hostname, url.port || (url.protocol === 'http:' ? 80 : 443)));

  return async (url, signal) => {
    if (policy.mode === 'off') throw fetchingOff();
    transport ??= options.lookup ? createGuardedAgent({ allowHosts: policy.allowHosts, lookup: options.lookup }) : sharedGuardedAgent(policy.allowHosts);
    const local = new AbortController();
    const onAbort = () => local.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => local.abort(), timeoutMs);
    try {
      return await fetchFollowing(url, local.signal, transport);
    } catch (err) {
      if (signal.aborted) throw signal.reason ?? err;
      throw err instanceof GatewayError && err.code === 'invalid_image_url' ? err : badImage();
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    }
  };

  async function fetchFollowing(url: string, signal: AbortSignal, dispatcher: Dispatcher): Promise<FetchedImage> {
    let current = new URL(url);
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      if (refusedUpFront(current)) throw badImage();
      const res = await sendUpstream({
        provider: options.provider,
        method: 'GET',
        url: current.toString(),
        headers: { accept: options.allowPdf ? 'image/*, application/pdf' : 'image/*' },
        signal,
        dispatcher,
        headersTimeoutMs: timeoutMs,
        bodyTimeoutMs: timeoutMs,
      });
      const location = res.headers.location;
      if (res.status >= 300 && res.status < 400 && typeof location === 'string') {
        discardBody(res);
        current = new URL(location, current);
        continue;
      }
      if (res.status !== 200) {
        discardBody(res);
        throw badImage();
      }
      if (Number(res.headers['content-length'] ?? 0) > maxBytes) {
        discardBody(res);
        throw badImage(`The image is larger than ${maxBytes} bytes.`);
      }
      const data = await readBounded(res, maxBytes);
      const declared = String(res.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
      const untyped = declared === '' || declared === 'application/octet-stream' || declared === 'binary/octet-stream';
      const mimeType = accepted(declared) ? declared : (sniffType(data) ?? (untyped ? typeFromExtension(current) : undefined));
      if (!mimeType || !accepted(mimeType)) throw badImage(`The URL is not an image (content-type '${declared || 'none'}').`);
      return { mimeType, data };
    }
    throw badImage();
  }
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
  accept: (mimeType: string) => boolean = () => true,
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
        fetchImage(url, signal).then(
          (img) => {
            if (!accept(img.mimeType)) throw new GatewayError({ status: 400, message: `The URL is not an image (content-type '${img.mimeType}').`, code: 'invalid_image_url', param });
            return img;
          },
          (err: unknown) => {
            throw err instanceof GatewayError && err.status === 400 ? new GatewayError({ status: 400, message: err.message, code: err.code, param }) : err;
          },
        ),
      );
    });
  });
  // Promise.all handles every rejection, so a second failing fetch is never left unhandled.
  const images = await Promise.all(pending.values());
  return new Map([...pending.keys()].map((url, k) => [url, images[k]!]));
}

/** Replaces every http(s) `image_url` in user messages by a data URL. Returns the same array when there is nothing to fetch. */
export async function inlineImageUrls(messages: ChatMessage[], fetchImage: ImageFetcher, signal: AbortSignal): Promise<ChatMessage[]> {
  // The gateway's shared fetcher takes PDFs for Gemini; these upstreams read images only.
  const fetched = await fetchImageUrls(messages, fetchImage, signal, undefined, (type) => type.startsWith('image/'));
  if (fetched.size === 0) return messages;
  const dataUrl = (img: FetchedImage) => `data:${img.mimeType};base64,${img.data.toString('base64')}`;
  const swap = (part: UserContentPart): UserContentPart => {
    const img = part.type === 'image_url' ? fetched.get(part.image_url.url) : undefined;
    return img && part.type === 'image_url' ? { ...part, image_url: { ...part.image_url, url: dataUrl(img) } } : part;
  };
  return messages.map((m) => (m.role === 'user' && typeof m.content !== 'string' ? { ...m, content: m.content.map(swap) } : m));
}
