// OpenAI itself: the reference wire format; only the reasoning models' max_tokens refusal needs a rewrite.
import type { ChatRequest } from '../../../schemas/chat-request.js';
import { openAIWireKind, type OpenAIWirePreset } from '../adapter.js';
import { keyedFromEnv } from '../../shared/env.js';

/** o1, o3, o4-mini, gpt-5, gpt-5.1, gpt-5-mini… (also behind an `openai/` prefix on OpenAI-compatible routers). */
const REASONING_MODEL = /(^|\/)(o\d|gpt-5)/;
/** Text-only OpenAI chat models (the router must not send them images). */
const TEXT_ONLY_MODEL = /(^|\/)(gpt-3\.5|o1-mini|o3-mini)/;

export function isOpenAIReasoningModel(model: string): boolean {
  return REASONING_MODEL.test(model);
}

/** Reasoning models reject `max_tokens` with 400 unsupported_parameter (wire doc §1.1, fixture openai-error-400-unsupported-parameter.json). */
export function toOpenAIBody(body: ChatRequest): ChatRequest {
  if (body.max_tokens == null || !isOpenAIReasoningModel(body.model)) return body;
  const { max_tokens, ...rest } = body;
  return { ...rest, max_completion_tokens: body.max_completion_tokens ?? max_tokens };
}

export const openaiPreset: OpenAIWirePreset = {
  // `reasoning` means reasoning text surfaced as reasoning_content: OpenAI's chat API never returns it.
  capabilities: (model) => ({
    tools: true,
    vision: !TEXT_ONLY_MODEL.test(model),
    jsonSchema: true,
    reasoning: false,
    embeddings: true,
    files: true,
  }),
  reasoningEffort: isOpenAIReasoningModel,
  toUpstreamBody: (body) => toOpenAIBody(body),
};

const BASE_URL = 'https://api.openai.com/v1';
export const openaiKind = openAIWireKind(openaiPreset, { defaultBaseUrl: BASE_URL, fromEnv: keyedFromEnv('OPENAI', BASE_URL) });
