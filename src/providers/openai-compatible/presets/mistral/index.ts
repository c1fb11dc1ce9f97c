// Mistral La Plateforme: strict request whitelist (request.ts), answer rewrites (response.ts), model capabilities.
import { openAIWireKind, type OpenAIWirePreset } from '../../adapter.js';
import { keyedFromEnv } from '../../../shared/env.js';
import type { Capabilities } from '../../../provider.js';
import { toMistralBody, toMistralEmbeddingsBody } from './request.js';
import { fromMistralChunk, fromMistralCompletion } from './response.js';

/**
 * Image input: Pixtral, Mistral Medium 3+, Mistral Small 3.1+ (2503 and later, and `-latest`), Magistral 1.2+ (2509),
 * Mistral Large 3 (2512) and Ministral 3. Older ids are text-only.
 */
const VISION_MODEL = /pixtral|mistral-medium|mistral-small-(latest|25\d\d|26\d\d)|magistral-(small|medium)-(latest|25(09|1\d)|26\d\d)|mistral-large-(latest|2512|26\d\d)|ministral-\d+b-(latest|2512)/;
const REASONING_MODEL = /magistral/;
const EMBEDDING_MODEL = /embed/;

export function mistralCapabilities(model: string): Capabilities {
  const embeddingOnly = EMBEDDING_MODEL.test(model);
  return {
    tools: !embeddingOnly,
    vision: VISION_MODEL.test(model),
    jsonSchema: !embeddingOnly,
    reasoning: REASONING_MODEL.test(model),
    embeddings: true,
    // document_url parts (PDFs) go to the same multimodal models.
    files: VISION_MODEL.test(model),
  };
}

export const mistralPreset: OpenAIWirePreset = {
  // Mistral rejects stream_options (422) and puts usage on the last chunk anyway (wire doc §4).
  streamUsageOption: false,
  capabilities: mistralCapabilities,
  toUpstreamBody: (body) => toMistralBody(body),
  toEmbeddingsBody: toMistralEmbeddingsBody,
  rewriteChunkJson: fromMistralChunk,
  rewriteCompletionJson: fromMistralCompletion,
};

const BASE_URL = 'https://api.mistral.ai/v1';
export const mistralKind = openAIWireKind(mistralPreset, { defaultBaseUrl: BASE_URL, fromEnv: keyedFromEnv('MISTRAL', BASE_URL) });
