// The Responses API request as the gateway reads it (zod, only the fields we interpret; loose everywhere else so a
// pass-through to OpenAI can forward the rest untouched). Input items keep their own shapes for a future store.
import { z } from 'zod';

const nullish = <T extends z.ZodType>(schema: T) => schema.nullish();

const inputTextSchema = z.looseObject({ type: z.literal('input_text'), text: z.string() });
const inputImageSchema = z.looseObject({
  type: z.literal('input_image'),
  image_url: nullish(z.string().min(1)),
  file_id: nullish(z.string()),
  detail: nullish(z.string()),
});
const inputFileSchema = z.looseObject({
  type: z.literal('input_file'),
  file_data: nullish(z.string()),
  file_url: nullish(z.string()),
  file_id: nullish(z.string()),
  filename: nullish(z.string()),
});
const outputTextSchema = z.looseObject({ type: z.literal('output_text'), text: z.string() });
const refusalSchema = z.looseObject({ type: z.literal('refusal'), refusal: z.string() });

export const inputPartSchema = z.discriminatedUnion('type', [inputTextSchema, inputImageSchema, inputFileSchema]);
export type InputPart = z.infer<typeof inputPartSchema>;
const assistantPartSchema = z.discriminatedUnion('type', [outputTextSchema, refusalSchema, inputTextSchema]);
export type AssistantPart = z.infer<typeof assistantPartSchema>;

const messageType = z.literal('message').optional();
const itemStatus = nullish(z.string());
const userMessageSchema = z.looseObject({
  type: messageType,
  role: z.literal('user'),
  content: z.union([z.string(), z.array(inputPartSchema)]),
});
const instructionMessageSchema = z.looseObject({
  type: messageType,
  role: z.enum(['system', 'developer']),
  content: z.union([z.string(), z.array(inputPartSchema)]),
});
const assistantMessageSchema = z.looseObject({
  type: messageType,
  role: z.literal('assistant'),
  id: nullish(z.string()),
  status: itemStatus,
  content: z.union([z.string(), z.array(assistantPartSchema)]),
});
const messageItemSchema = z.discriminatedUnion('role', [userMessageSchema, instructionMessageSchema, assistantMessageSchema]);

const functionCallSchema = z.looseObject({
  type: z.literal('function_call'),
  id: nullish(z.string()),
  call_id: z.string().min(1),
  name: z.string().min(1),
  arguments: z.string(),
  status: itemStatus,
});
const functionCallOutputSchema = z.looseObject({
  type: z.literal('function_call_output'),
  id: nullish(z.string()),
  call_id: z.string().min(1),
  output: z.union([z.string(), z.array(inputPartSchema)]),
  status: itemStatus,
});
const reasoningSchema = z.looseObject({
  type: z.literal('reasoning'),
  id: nullish(z.string()),
  summary: z.array(z.looseObject({ text: z.string() })).default([]),
  content: nullish(z.array(z.looseObject({ text: z.string() }))),
  encrypted_content: nullish(z.string()),
});
const itemReferenceSchema = z.looseObject({ type: z.literal('item_reference'), id: z.string() });

/** A message item may omit `type` (OpenAI's EasyInputMessage): messages sit under `type` message-or-absent, then by role. */
export const inputItemSchema = z.discriminatedUnion('type', [
  messageItemSchema,
  functionCallSchema,
  functionCallOutputSchema,
  reasoningSchema,
  itemReferenceSchema,
]);
export type InputItem = z.infer<typeof inputItemSchema>;
export type MessageItem = z.infer<typeof messageItemSchema>;
export type FunctionCallItem = z.infer<typeof functionCallSchema>;

export const functionToolSchema = z.looseObject({
  type: z.literal('function'),
  name: z.string().min(1),
  description: nullish(z.string()),
  parameters: nullish(z.record(z.string(), z.unknown())),
  strict: nullish(z.boolean()),
});
export type ResponsesFunctionTool = z.infer<typeof functionToolSchema>;
/** Built-in tools (web_search, file_search, …) are recognised here and refused by the bridge, not malformed. */
const toolSchema = z.union([functionToolSchema, z.looseObject({ type: z.string().min(1) })]);

const toolChoiceSchema = z.union([
  z.enum(['none', 'auto', 'required']),
  z.looseObject({ type: z.literal('function'), name: z.string().min(1) }),
  z.looseObject({
    type: z.literal('allowed_tools'),
    mode: z.enum(['auto', 'required']),
    tools: z.array(z.looseObject({ type: z.string(), name: nullish(z.string()) })),
  }),
  z.looseObject({ type: z.string().min(1) }),
]);

export const textFormatSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('text') }),
  z.looseObject({ type: z.literal('json_object') }),
  z.looseObject({
    type: z.literal('json_schema'),
    name: z.string().min(1).max(64),
    description: nullish(z.string()),
    schema: z.record(z.string(), z.unknown()),
    strict: nullish(z.boolean()),
  }),
]);
export type TextFormat = z.infer<typeof textFormatSchema>;

const nonNegativeInt = z.number().int().nonnegative();

export const responsesRequestSchema = z.looseObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(inputItemSchema)]).optional(),
  instructions: nullish(z.string()),
  tools: nullish(z.array(toolSchema)),
  tool_choice: nullish(toolChoiceSchema),
  parallel_tool_calls: nullish(z.boolean()),
  text: nullish(z.looseObject({ format: nullish(textFormatSchema), verbosity: nullish(z.enum(['low', 'medium', 'high'])) })),
  reasoning: nullish(z.looseObject({ effort: nullish(z.string()), summary: nullish(z.string()) })),
  max_output_tokens: nullish(nonNegativeInt),
  max_tool_calls: nullish(nonNegativeInt),
  temperature: nullish(z.number().min(0).max(2)),
  top_p: nullish(z.number().min(0).max(1)),
  top_logprobs: nullish(z.number().int().min(0).max(20)),
  metadata: nullish(z.record(z.string(), z.string())),
  store: nullish(z.boolean()),
  include: nullish(z.array(z.string())),
  truncation: nullish(z.enum(['auto', 'disabled'])),
  previous_response_id: nullish(z.string()),
  conversation: z.unknown().optional(),
  prompt: z.unknown().optional(),
  background: nullish(z.boolean()),
  user: nullish(z.string()),
  safety_identifier: nullish(z.string()),
  prompt_cache_key: nullish(z.string()),
  service_tier: nullish(z.string()),
  stream: nullish(z.boolean()),
});
export type ResponsesRequest = z.infer<typeof responsesRequestSchema>;
