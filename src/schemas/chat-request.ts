// The OpenAI Chat Completions request as the gateway accepts it: validated where we read, loose everywhere else
// so that fields we do not interpret reach OpenAI-wire upstreams untouched.
import { z } from 'zod';

const nullish = <T extends z.ZodType>(schema: T) => schema.nullish();

export const textPartSchema = z.looseObject({ type: z.literal('text'), text: z.string() });
export const imagePartSchema = z.looseObject({
  type: z.literal('image_url'),
  image_url: z.looseObject({ url: z.string().min(1), detail: nullish(z.string()) }),
});
const audioPartSchema = z.looseObject({
  type: z.literal('input_audio'),
  input_audio: z.looseObject({ data: z.string(), format: z.string() }),
});
const filePartSchema = z.looseObject({ type: z.literal('file'), file: z.looseObject({}) });
const refusalPartSchema = z.looseObject({ type: z.literal('refusal'), refusal: z.string() });

export const userContentPartSchema = z.discriminatedUnion('type', [
  textPartSchema,
  imagePartSchema,
  audioPartSchema,
  filePartSchema,
]);
export type UserContentPart = z.infer<typeof userContentPartSchema>;

const textOnlyContent = z.union([z.string(), z.array(textPartSchema)]);

export const toolCallSchema = z.looseObject({
  id: z.string(),
  type: z.literal('function').default('function'),
  function: z.looseObject({ name: z.string().min(1), arguments: z.string() }),
});
export type ToolCall = z.infer<typeof toolCallSchema>;

const systemMessageSchema = z.looseObject({
  role: z.literal('system'),
  content: textOnlyContent,
  name: nullish(z.string()),
});
const developerMessageSchema = z.looseObject({
  role: z.literal('developer'),
  content: textOnlyContent,
  name: nullish(z.string()),
});
const userMessageSchema = z.looseObject({
  role: z.literal('user'),
  content: z.union([z.string(), z.array(userContentPartSchema)]),
  name: nullish(z.string()),
});
const assistantMessageSchema = z.looseObject({
  role: z.literal('assistant'),
  content: nullish(z.union([z.string(), z.array(z.union([textPartSchema, refusalPartSchema]))])),
  refusal: nullish(z.string()),
  name: nullish(z.string()),
  tool_calls: nullish(z.array(toolCallSchema)),
  reasoning_content: nullish(z.string()),
});
const toolMessageSchema = z.looseObject({
  role: z.literal('tool'),
  tool_call_id: z.string(),
  content: textOnlyContent,
});
const functionMessageSchema = z.looseObject({
  role: z.literal('function'),
  name: z.string(),
  content: z.string().nullable(),
});

export const messageSchema = z.discriminatedUnion('role', [
  systemMessageSchema,
  developerMessageSchema,
  userMessageSchema,
  assistantMessageSchema,
  toolMessageSchema,
  functionMessageSchema,
]);
export type ChatMessage = z.infer<typeof messageSchema>;
export type AssistantMessage = z.infer<typeof assistantMessageSchema>;

export const functionToolSchema = z.looseObject({
  type: z.literal('function'),
  function: z.looseObject({
    name: z.string().min(1),
    description: nullish(z.string()),
    parameters: nullish(z.record(z.string(), z.unknown())),
    strict: nullish(z.boolean()),
  }),
});
export type FunctionTool = z.infer<typeof functionToolSchema>;

const toolChoiceSchema = z.union([
  z.enum(['none', 'auto', 'required']),
  z.looseObject({ type: z.literal('function'), function: z.looseObject({ name: z.string() }) }),
  z.looseObject({ type: z.literal('allowed_tools') }),
  z.looseObject({ type: z.literal('custom') }),
]);
export type ToolChoice = z.infer<typeof toolChoiceSchema>;

export const responseFormatSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('text') }),
  z.looseObject({ type: z.literal('json_object') }),
  z.looseObject({
    type: z.literal('json_schema'),
    json_schema: z.looseObject({
      name: z.string(),
      description: nullish(z.string()),
      schema: nullish(z.record(z.string(), z.unknown())),
      strict: nullish(z.boolean()),
    }),
  }),
]);
export type ResponseFormat = z.infer<typeof responseFormatSchema>;

const nonNegativeInt = z.number().int().nonnegative();

export const chatRequestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(messageSchema).min(1),
  stream: nullish(z.boolean()),
  stream_options: nullish(z.looseObject({ include_usage: nullish(z.boolean()) })),
  temperature: nullish(z.number().min(0).max(2)),
  top_p: nullish(z.number().min(0).max(1)),
  n: nullish(z.number().int().min(1).max(128)),
  stop: nullish(z.union([z.string(), z.array(z.string()).max(16)])),
  max_tokens: nullish(nonNegativeInt),
  max_completion_tokens: nullish(nonNegativeInt),
  presence_penalty: nullish(z.number().min(-2).max(2)),
  frequency_penalty: nullish(z.number().min(-2).max(2)),
  logit_bias: nullish(z.record(z.string(), z.number())),
  logprobs: nullish(z.boolean()),
  top_logprobs: nullish(z.number().int().min(0).max(20)),
  seed: nullish(z.number().int()),
  user: nullish(z.string()),
  metadata: nullish(z.record(z.string(), z.string())),
  tools: nullish(z.array(z.union([functionToolSchema, z.looseObject({ type: z.literal('custom') })]))),
  tool_choice: nullish(toolChoiceSchema),
  parallel_tool_calls: nullish(z.boolean()),
  response_format: nullish(responseFormatSchema),
  reasoning_effort: nullish(z.string()),
  service_tier: nullish(z.string()),
  store: nullish(z.boolean()),
});
export type ChatRequest = z.infer<typeof chatRequestSchema>;

/** Text of a message's content whatever its shape (string, parts, null). */
export function contentText(content: ChatMessage['content'] | undefined): string {
  if (content == null) return '';
  if (typeof content === 'string') return content;
  return content.map((part) => ('text' in part && typeof part.text === 'string' ? part.text : '')).join('');
}

export function wantsStreamUsage(request: ChatRequest): boolean {
  return request.stream_options?.include_usage === true;
}

export function maxOutputTokens(request: ChatRequest): number | undefined {
  return request.max_completion_tokens ?? request.max_tokens ?? undefined;
}
