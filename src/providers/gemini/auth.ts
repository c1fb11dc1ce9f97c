// The Gemini adapter's outside dependency besides the model API, injectable for tests: Vertex OAuth access tokens
// (google-auth-library). Remote images are fetched by the shared fetcher in shared/images.ts.
import { upstreamHttpError } from '../../errors.js';

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
