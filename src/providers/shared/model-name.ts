// Model names are client input that ends up in upstream URL paths (Gemini, Vertex) and bodies: every provider
// refuses names outside one safe charset before any upstream call (hardening issue, defect 8: a name with `../`
// segments sent a keyed request outside the API prefix).
import { GatewayError } from '../../errors.js';
import type { Provider } from '../provider.js';

/** Letters, digits and `. _ - : @ +`, in `/`-separated segments (hf.co/org/repo:Q4_K_M, tunedModels/x, org/model). */
const SAFE_MODEL_NAME = /^[A-Za-z0-9_][A-Za-z0-9._:@+-]*(?:\/[A-Za-z0-9_][A-Za-z0-9._:@+-]*)*$/;
const MAX_LENGTH = 512;
/** Quoting a 1 MB name back to the client (and into the log) helps nobody. */
const MAX_QUOTED = 200;

const quote = (name: string) => (name.length > MAX_QUOTED ? `${name.slice(0, MAX_QUOTED)}…` : name);

/** The name's own fault, so a 400 on `model` (never fallback, never against the provider's health). */
export function invalidModelName(model: string, provider: string): GatewayError {
  return new GatewayError({
    status: 400,
    type: 'invalid_request_error',
    message: `${provider}: the model name '${quote(model)}' is not valid: use letters, digits and . _ - : @ + in segments separated by /, at most ${MAX_LENGTH} characters`,
    param: 'model',
    code: 'invalid_model_name',
    provider,
  });
}

/** Segments starting with a letter, digit or `_` cannot be `.`, `..` or empty, so no URL can climb out of its prefix. */
export function isSafeModelName(model: string): boolean {
  return model.length <= MAX_LENGTH && SAFE_MODEL_NAME.test(model);
}

/** A rejected promise when the name is unsafe, so a caller's await sees the refusal as it would any failure. */
function refusedName(model: string, provider: string): Promise<never> | undefined {
  return isSafeModelName(model) ? undefined : Promise.reject(invalidModelName(model, provider));
}

export function assertModelName(model: string, provider: string): void {
  if (!isSafeModelName(model)) throw invalidModelName(model, provider);
}

/** A model name as URL path segments: checked, then each segment percent-encoded. */
export function modelPath(model: string, provider: string): string {
  assertModelName(model, provider);
  return model.split('/').map(encodeURIComponent).join('/');
}

/** The provider with every call's model name checked first (the registry wraps every adapter it builds). */
export function withModelNameCheck(provider: Provider): Provider {
  const { embeddings, passthrough, countTokens } = provider;
  return {
    id: provider.id,
    type: provider.type,
    capabilities: (model) => provider.capabilities(model),
    listModels: (signal) => provider.listModels(signal),
    probe: (signal) => provider.probe(signal),
    // Not async: a wrapper frame would stay suspended for the whole upstream wait of every call.
    chat: (request, model, options) => refusedName(model, provider.id) ?? provider.chat(request, model, options),
    chatStream: (request, model, options) => refusedName(model, provider.id) ?? provider.chatStream(request, model, options),
    ...(embeddings
      ? {
          async embeddings(request, model, options) {
            assertModelName(model, provider.id);
            return embeddings.call(provider, request, model, options);
          },
        }
      : {}),
    ...(passthrough
      ? {
          passthroughDialects: provider.passthroughDialects,
          async passthrough(dialect, body, headers, options) {
            assertModelName(String(body.model), provider.id);
            return passthrough.call(provider, dialect, body, headers, options);
          },
        }
      : {}),
    ...(countTokens
      ? {
          async countTokens(request, model, options) {
            assertModelName(model, provider.id);
            return countTokens.call(provider, request, model, options);
          },
        }
      : {}),
    ...(provider.close ? { close: () => provider.close!() } : {}),
  };
}
