// The Gemini adapter's two outside dependencies besides the model API, both injectable for tests:
// Vertex OAuth access tokens (google-auth-library) and downloads of remote image URLs to inline.
import type { Dispatcher } from 'undici';
import { GatewayError, upstreamHttpError } from '../errors.js';
import { discardBody, sendUpstream } from '../upstream/http.js';
import { guessMimeType, type InlineData } from './gemini-request.js';

export interface AccessTokenSource {
  getAccessToken(): Promise<string>;
}

/** Application Default Credentials; the library caches the token and refreshes it before expiry (~1 h). */
export function googleAuthTokenSource(): AccessTokenSource {
  let auth: Promise<{ getAccessToken(): Promise<string | null | undefined> }> | undefined;
  return {
    async getAccessToken() {
      // Loaded on first Vertex call only: AI Studio deployments never pay for the library.
      auth ??= import('google-auth-library').then(
        ({ GoogleAuth }) => new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform'] }),
      );
      const token = await (await auth).getAccessToken();
      if (!token) throw new Error('Google Application Default Credentials returned no access token');
      return token;
    },
  };
}

/** Token failures are the gateway's own credentials failing: 502 via the contract's 401 mapping. */
export async function bearerToken(source: AccessTokenSource, provider: string): Promise<string> {
  try {
    return await source.getAccessToken();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw upstreamHttpError(provider, 401, { message: `could not obtain a Google access token: ${message}` });
  }
}

export type ImageFetcher = (url: string, signal: AbortSignal) => Promise<InlineData>;

/** Gemini's inline request limit is 20 MB in total; one image above it can never be sent. */
export const MAX_IMAGE_BYTES = 20 * 1024 * 1024;

const imageError = (url: string, why: string) =>
  new GatewayError({ status: 400, message: `image_url ${url} could not be used: ${why}`, param: 'messages', code: 'invalid_image_url' });

/**
 * Downloads through the provider's dispatcher (so HTTPS_PROXY applies). Failures are the client's URL, not the
 * provider: they become 400s that neither retry nor trip the provider's circuit.
 */
export function httpImageFetcher(
  dispatcher: Dispatcher,
  provider: string,
  {
    timeoutMs = 30_000,
    maxBytes = MAX_IMAGE_BYTES,
    allowHttp = false,
  }: { timeoutMs?: number; maxBytes?: number; /** plain http is refused by default: keeps clients off internal http services */ allowHttp?: boolean } = {},
): ImageFetcher {
  return async (url, signal) => {
    if (!url.startsWith('https://') && !(allowHttp && url.startsWith('http://'))) throw imageError(url, 'only https URLs are fetched');
    let res;
    try {
      res = await sendUpstream({ url, method: 'GET', signal, dispatcher, headersTimeoutMs: timeoutMs, bodyTimeoutMs: timeoutMs, provider });
    } catch (err) {
      if (signal.aborted) throw signal.reason ?? err;
      throw imageError(url, err instanceof Error ? err.message : String(err));
    }
    if (res.status < 200 || res.status >= 300) {
      discardBody(res);
      throw imageError(url, `HTTP ${res.status}`);
    }
    const declared = String(res.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (declared && !declared.startsWith('image/') && declared !== 'application/pdf' && declared !== 'application/octet-stream') {
      discardBody(res);
      throw imageError(url, `content-type ${declared} is not an image`);
    }
    if (Number(res.headers['content-length'] ?? 0) > maxBytes) {
      discardBody(res);
      throw imageError(url, `larger than ${maxBytes} bytes`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of res.body) {
        size += chunk.length;
        if (size > maxBytes) {
          res.body.destroy();
          throw imageError(url, `larger than ${maxBytes} bytes`);
        }
        chunks.push(chunk as Buffer);
      }
    } catch (err) {
      if (err instanceof GatewayError) throw err;
      if (signal.aborted) throw signal.reason ?? err;
      throw imageError(url, err instanceof Error ? err.message : String(err));
    }
    const mimeType = declared.startsWith('image/') || declared === 'application/pdf' ? declared : guessMimeType(url);
    return { mimeType, data: Buffer.concat(chunks).toString('base64') };
  };
}
