// Where the Gemini adapter sends each call: AI Studio `{base}/models/{m}:method`, or Vertex
// `{host}/v1/projects/{p}/locations/{loc}/publishers/google/models/{m}:method` (wire doc §2.1, §2.6).
import type { ProviderConfig } from '../provider.js';
import { modelPath } from '../shared/model-name.js';

export const AI_STUDIO_BASE_URL = 'https://generativelanguage.googleapis.com/v1beta';

/** Listed for Vertex when config.models is empty: Vertex has no Gemini models.list. */
export const VERTEX_DEFAULT_MODELS = ['gemini-2.5-flash', 'gemini-2.5-pro', 'gemini-2.5-flash-lite', 'gemini-2.0-flash'];

export type GeminiMethod = 'generateContent' | 'streamGenerateContent' | 'countTokens' | 'batchEmbedContents' | 'predict';

export interface GeminiEndpoints {
  vertex: boolean;
  /** The resource name inside request bodies (`models/x`, or a full `tunedModels/x`). */
  modelResource(model: string): string;
  modelUrl(model: string, method: GeminiMethod): string;
  /** AI Studio models.list (Vertex never calls it). */
  listUrl(pageSize: number, pageToken?: string): string;
}

const trimSlash = (url: string) => url.replace(/\/+$/, '');

export function geminiEndpoints(config: ProviderConfig): GeminiEndpoints {
  const provider = config.id;
  const project = config.options?.project;
  const location = config.options?.location;
  const configured = config.baseUrl ? trimSlash(config.baseUrl) : '';
  const modelResource = (model: string) => (model.includes('/') ? model : `models/${model}`);
  // The resource is checked again here: a `..` segment would climb out of the API prefix with the key attached.
  const encodePath = (resource: string) => modelPath(resource, provider);

  if (project && location) {
    // The base URL, when it is not AI Studio's default, replaces host + version (e.g. a test fake, or
    // `https://us-central1-aiplatform.googleapis.com/v1beta1` for preview features).
    const host = location === 'global' ? 'aiplatform.googleapis.com' : `${location}-aiplatform.googleapis.com`;
    const base = configured && !configured.includes('generativelanguage.googleapis.com') ? configured : `https://${host}/v1`;
    const prefix = `${base}/projects/${encodeURIComponent(project)}/locations/${encodeURIComponent(location)}/publishers/google`;
    return {
      vertex: true,
      modelResource,
      modelUrl: (model, method) => `${prefix}/${encodePath(modelResource(model))}:${method}`,
      listUrl: () => `${prefix}/models`,
    };
  }
  const base = configured || AI_STUDIO_BASE_URL;
  return {
    vertex: false,
    modelResource,
    modelUrl: (model, method) => `${base}/${encodePath(modelResource(model))}:${method}`,
    listUrl: (pageSize, pageToken) =>
      `${base}/models?pageSize=${pageSize}${pageToken ? `&pageToken=${encodeURIComponent(pageToken)}` : ''}`,
  };
}
