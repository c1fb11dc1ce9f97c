// Remote image URLs → data URLs, for upstreams that accept only inline images (Ollama /v1; reusable by any adapter).
import { GatewayError } from '../errors.js';
import type { ChatMessage, UserContentPart } from '../schemas/chat-request.js';
import { discardBody, sendUpstream, type UpstreamResponse } from '../upstream/http.js';
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
  /** Largest image accepted (default 20 MiB: OpenAI's own per-image limit). */
  maxBytes?: number;
  timeoutMs?: number;
  /** Plain http URLs are refused unless allowed (keeps the gateway off internal http services). */
  allowHttp?: boolean;
}

const MAX_REDIRECTS = 3;

function badImage(url: string, reason: string, param?: string): GatewayError {
  return new GatewayError({ status: 400, message: `Could not fetch image ${url.slice(0, 200)}: ${reason}`, code: 'invalid_image_url', param: param ?? null });
}

/** Magic numbers for servers that label images application/octet-stream. */
function sniffImageType(data: Buffer): string | undefined {
  if (data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'image/jpeg';
  if (data.subarray(0, 4).toString('latin1') === 'GIF8') return 'image/gif';
  if (data.subarray(0, 4).toString('latin1') === 'RIFF' && data.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
  return undefined;
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

export function createImageFetcher(options: ImageFetcherOptions): ImageFetcher {
  const maxBytes = options.maxBytes ?? 20 * 1024 * 1024;
  const timeoutMs = options.timeoutMs ?? 30_000;
  return async (url, signal) => {
    let current = url;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const protocol = new URL(current).protocol;
      if (protocol !== 'https:' && !(protocol === 'http:' && options.allowHttp)) throw badImage(url, `${protocol} URLs are not fetched`);
      const res = await sendUpstream({
        provider: options.provider,
        method: 'GET',
        url: current,
        headers: { accept: 'image/*' },
        signal,
        dispatcher: options.dispatcher,
        headersTimeoutMs: timeoutMs,
        bodyTimeoutMs: timeoutMs,
      }).catch((err: unknown) => {
        throw badImage(url, err instanceof Error ? err.message : String(err));
      });
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
      const data = await readBounded(res, url, maxBytes);
      const declared = String(res.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
      const mimeType = declared.startsWith('image/') ? declared : sniffImageType(data);
      if (!mimeType) throw badImage(url, `not an image (content-type '${declared || 'none'}')`);
      return { mimeType, data };
    }
    throw badImage(url, 'too many redirects');
  };
}

function isRemote(url: string): boolean {
  return /^https?:\/\//i.test(url);
}

/**
 * Replaces every http(s) `image_url` in user messages by a data URL (each distinct URL fetched once, in parallel).
 * Returns the same array when there is nothing to fetch.
 */
export async function inlineImageUrls(messages: ChatMessage[], fetchImage: ImageFetcher, signal: AbortSignal): Promise<ChatMessage[]> {
  const pending = new Map<string, Promise<string>>();
  messages.forEach((m, i) => {
    if (m.role !== 'user' || typeof m.content === 'string') return;
    m.content.forEach((part, j) => {
      if (part.type !== 'image_url' || !isRemote(part.image_url.url) || pending.has(part.image_url.url)) return;
      const url = part.image_url.url;
      const param = `messages[${i}].content[${j}].image_url.url`;
      pending.set(
        url,
        fetchImage(url, signal).then(
          (img) => `data:${img.mimeType};base64,${img.data.toString('base64')}`,
          (err: unknown) => {
            throw err instanceof GatewayError && err.status === 400 ? new GatewayError({ status: 400, message: err.message, code: err.code, param }) : err;
          },
        ),
      );
    });
  });
  if (pending.size === 0) return messages;
  // Promise.all handles every rejection, so a second failing fetch is never left unhandled.
  const dataUrls = await Promise.all(pending.values());
  const inlined = new Map([...pending.keys()].map((url, k) => [url, dataUrls[k] ?? url]));
  const swap = (part: UserContentPart): UserContentPart =>
    part.type === 'image_url' && inlined.has(part.image_url.url)
      ? { ...part, image_url: { ...part.image_url, url: inlined.get(part.image_url.url) ?? part.image_url.url } }
      : part;
  return messages.map((m) => (m.role === 'user' && typeof m.content !== 'string' ? { ...m, content: m.content.map(swap) } : m));
}
