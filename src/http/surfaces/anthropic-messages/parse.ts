// A Messages request → the internal chat model (OpenAI Chat shapes): system, tools, tool_choice, thinking, sampling.
// The parsed Messages body travels along in `extras` for the native pass-through to Anthropic.
import { GatewayError } from '../../../errors.js';
import type { ChatMessage, ChatRequest, FunctionTool } from '../../../schemas/chat-request.js';
import { parseOrThrow } from '../../validate.js';
import type { ParsedRequest } from '../surface.js';
import { toChatMessages } from './to-chat-messages.js';
import { messagesRequestSchema, type MessagesRequest, type ThinkingConfig, type Tool, type ToolChoice } from './wire.js';

export interface MessagesExtras {
  /** The Messages body as validated (unknown fields kept), for a same-dialect upstream. */
  body: MessagesRequest;
}

/** System text blocks joined as paragraphs; their cache_control has no meaning off Anthropic and is dropped. */
export function systemText(system: MessagesRequest['system']): string {
  if (system == null) return '';
  return typeof system === 'string' ? system : system.map((block) => block.text).join('\n\n');
}

/** Custom tools carry no type (or `custom`); anything else is an Anthropic server tool that runs on Anthropic only. */
export function isServerTool(tool: Tool): boolean {
  return tool.type != null && tool.type !== 'custom';
}

/** The refusal a request with a server tool gets from every target but a native pass-through. */
function serverToolRefusal(tools: Tool[]): GatewayError | undefined {
  const i = tools.findIndex(isServerTool);
  if (i < 0) return undefined;
  return new GatewayError({
    status: 400,
    message: `Server tool '${tools[i]!.type}' (tools[${i}]) runs only on Anthropic; it cannot be translated for this model's provider.`,
    param: `tools[${i}].type`,
    code: 'unsupported_tool',
  });
}

function toFunctionTools(tools: Tool[]): FunctionTool[] {
  return tools.flatMap((tool, i): FunctionTool[] => {
    if (isServerTool(tool)) return [];
    if (!tool.input_schema) {
      throw new GatewayError({ status: 400, message: `tools[${i}].input_schema: Field required`, param: `tools[${i}].input_schema`, code: 'missing_required_parameter' });
    }
    const description = tool.description ? { description: tool.description } : {};
    return [{ type: 'function', function: { name: tool.name, ...description, parameters: tool.input_schema } }];
  });
}

function toToolChoice(choice: ToolChoice): ChatRequest['tool_choice'] {
  switch (choice.type) {
    case 'auto':
      return 'auto';
    case 'any':
      return 'required';
    case 'none':
      return 'none';
    case 'tool':
      return { type: 'function', function: { name: choice.name } };
  }
}

/**
 * budget_tokens → an OpenAI effort, inverting the Anthropic adapter's budgets (low 2048, medium 8192, high 16384)
 * at the midpoints between them; Claude Code's "think" (4000) is low, its "ultrathink" (31999) high.
 */
export function effortForThinking(thinking: ThinkingConfig): string | undefined {
  if (thinking.type === 'disabled') return undefined;
  if (thinking.type === 'adaptive') return 'medium';
  if (thinking.budget_tokens < 4096) return 'low';
  return thinking.budget_tokens < 12288 ? 'medium' : 'high';
}

export function toChatRequest(body: MessagesRequest): ChatRequest {
  const messages: ChatMessage[] = toChatMessages(body.messages);
  const system = systemText(body.system);
  if (system) messages.unshift({ role: 'system', content: system });
  const chat: ChatRequest = { model: body.model, messages, max_tokens: body.max_tokens };
  if (body.stream) chat.stream = true;
  const tools = toFunctionTools(body.tools ?? []);
  if (tools.length > 0) {
    chat.tools = tools;
    if (body.tool_choice) chat.tool_choice = toToolChoice(body.tool_choice);
    if (body.tool_choice?.type !== 'none' && body.tool_choice?.disable_parallel_tool_use) chat.parallel_tool_calls = false;
  }
  const effort = body.thinking ? effortForThinking(body.thinking) : undefined;
  if (effort) chat.reasoning_effort = effort;
  if (body.stop_sequences?.length) chat.stop = body.stop_sequences;
  if (body.temperature != null) chat.temperature = body.temperature;
  if (body.top_p != null) chat.top_p = body.top_p;
  // top_k has no OpenAI Chat field; it stays in the parsed body for the pass-through.
  if (body.metadata?.user_id) chat.user = body.metadata.user_id;
  return chat;
}

export function parseMessagesRequest(raw: unknown, headers: Record<string, string | string[] | undefined>): ParsedRequest {
  const body = parseOrThrow(messagesRequestSchema, raw);
  const session = headers['x-session-id'];
  const extras: MessagesExtras = { body };
  return {
    chat: toChatRequest(body),
    stream: body.stream === true,
    // message_delta carries the usage, so the renderer needs the usage-only chunk.
    includeUsage: true,
    ...(typeof session === 'string' && session ? { sessionId: session } : {}),
    untranslatable: serverToolRefusal(body.tools ?? []),
    extras,
  };
}
