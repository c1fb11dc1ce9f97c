// OpenAI tools, tool_choice, sampling, response_format and reasoning_effort → Gemini tools, toolConfig and
// generationConfig (wire doc §2.2). Pure; fields without a Gemini equivalent are dropped.
import { maxOutputTokens, type ChatRequest } from '../../schemas/chat-request.js';
import { geminiModelTraits, toThinkingConfig } from './models.js';
import { cleanGeminiSchema } from './schema.js';

export function toGeminiTools(request: ChatRequest): Record<string, unknown> {
  const declarations = (request.tools ?? []).flatMap((tool) => {
    if (tool.type !== 'function' || !('function' in tool)) return [];
    const fn = tool.function as { name: string; description?: string | null; parameters?: Record<string, unknown> | null };
    const declaration: Record<string, unknown> = { name: fn.name };
    if (fn.description) declaration.description = fn.description;
    if (fn.parameters) declaration.parametersJsonSchema = cleanGeminiSchema(fn.parameters);
    return [declaration];
  });
  if (declarations.length === 0) return {};
  const out: Record<string, unknown> = { tools: [{ functionDeclarations: declarations }] };
  const config = toFunctionCallingConfig(request.tool_choice);
  if (config) out.toolConfig = { functionCallingConfig: config };
  return out;
}

/** Wire doc §2.2: auto→AUTO, none→NONE, required→ANY, named→ANY + allowedFunctionNames. */
function toFunctionCallingConfig(choice: ChatRequest['tool_choice']): Record<string, unknown> | undefined {
  if (!choice) return undefined;
  if (choice === 'auto') return { mode: 'AUTO' };
  if (choice === 'none') return { mode: 'NONE' };
  if (choice === 'required') return { mode: 'ANY' };
  if (choice.type === 'function' && 'function' in choice) {
    return { mode: 'ANY', allowedFunctionNames: [(choice.function as { name: string }).name] };
  }
  if (choice.type === 'allowed_tools') {
    const allowed = (choice as { allowed_tools?: { mode?: string; tools?: Array<{ function?: { name?: string } }> } }).allowed_tools;
    const names = (allowed?.tools ?? []).map((t) => t.function?.name).filter((n): n is string => typeof n === 'string');
    // allowedFunctionNames is only valid with mode ANY.
    return allowed?.mode === 'required' && names.length > 0 ? { mode: 'ANY', allowedFunctionNames: names } : { mode: 'AUTO' };
  }
  return undefined;
}

export function toGenerationConfig(request: ChatRequest, context: { model: string; includeThoughts?: boolean }): Record<string, unknown> {
  const traits = geminiModelTraits(context.model);
  const config: Record<string, unknown> = {};
  if (request.temperature != null) config.temperature = request.temperature;
  if (request.top_p != null) config.topP = request.top_p;
  const maxTokens = maxOutputTokens(request);
  if (maxTokens != null) config.maxOutputTokens = maxTokens;
  if (request.stop != null) config.stopSequences = typeof request.stop === 'string' ? [request.stop] : request.stop;
  if (request.seed != null) config.seed = request.seed;
  if (request.n != null && request.n > 1) config.candidateCount = request.n;
  // 2.5+ models answer 400 "Penalty is not enabled" (fixture gemini-error-400-invalid-argument): send only
  // to older models, and never a no-op 0 that many clients send by default.
  if (traits.penalties && request.presence_penalty) config.presencePenalty = request.presence_penalty;
  if (traits.penalties && request.frequency_penalty) config.frequencyPenalty = request.frequency_penalty;
  const format = request.response_format;
  if (format?.type === 'json_object' || format?.type === 'json_schema') config.responseMimeType = 'application/json';
  if (format?.type === 'json_schema') {
    const schema = (format.json_schema as { schema?: Record<string, unknown> | null }).schema;
    if (schema) config.responseJsonSchema = cleanGeminiSchema(schema);
  }
  const thinking = toThinkingConfig(context.model, request.reasoning_effort ?? undefined, context.includeThoughts ?? false);
  if (thinking) config.thinkingConfig = thinking;
  return config;
}
