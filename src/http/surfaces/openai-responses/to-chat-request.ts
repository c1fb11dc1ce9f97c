// The bridge's request half: a validated Responses request → the internal chat model (ChatRequest). Features that
// need OpenAI itself (built-in tools) or the response store (previous_response_id, item references) are refused
// with a 400 naming the field; previous_response_id needs the history the store rebuilt from the chain.
import { GatewayError, invalidRequest } from '../../../errors.js';
import type { ChatMessage, ChatRequest, FunctionTool, ResponseFormat, ToolChoice } from '../../../schemas/chat-request.js';
import { functionToolSchema, type InputItem, type ResponsesRequest, type TextFormat } from './request-schema.js';
import { toChatMessages } from './to-chat-messages.js';

const unsupportedTool = (param: string, type: string) =>
  invalidRequest(`Tool type '${type}' runs inside OpenAI and is only available when every target of the model speaks Responses natively (OpenAI itself: the request is then passed through). Use function tools.`, param, 'unsupported_tool');

function toChatTools(tools: NonNullable<ResponsesRequest['tools']>): FunctionTool[] {
  return tools.map((tool, i) => {
    const fn = functionToolSchema.safeParse(tool);
    if (!fn.success) {
      if (tool.type !== 'function') throw unsupportedTool(`tools[${i}]`, tool.type);
      throw invalidRequest(`Invalid function tool: ${fn.error.issues[0]?.message ?? 'bad shape'}`, `tools[${i}]`, 'invalid_value');
    }
    const { name, description, parameters, strict } = fn.data;
    return { type: 'function', function: { name, ...(description ? { description } : {}), ...(parameters ? { parameters } : {}), ...(strict != null ? { strict } : {}) } };
  });
}

function toChatToolChoice(choice: NonNullable<ResponsesRequest['tool_choice']>): ToolChoice {
  if (typeof choice === 'string') return choice;
  if (choice.type === 'function' && typeof choice.name === 'string') return { type: 'function', function: { name: choice.name } };
  if (choice.type === 'allowed_tools' && Array.isArray(choice.tools)) {
    const tools = (choice.tools as Array<{ type: string; name?: string | null }>).map((tool, i) => {
      if (tool.type !== 'function' || !tool.name) throw unsupportedTool(`tool_choice.tools[${i}]`, tool.type);
      return { type: 'function', function: { name: tool.name } };
    });
    return { type: 'allowed_tools', allowed_tools: { mode: choice.mode, tools } };
  }
  throw unsupportedTool('tool_choice', choice.type);
}

function toResponseFormat(format: TextFormat): ResponseFormat | undefined {
  if (format.type === 'text') return undefined;
  if (format.type === 'json_object') return { type: 'json_object' };
  const { name, description, schema, strict } = format;
  return { type: 'json_schema', json_schema: { name, schema, ...(description ? { description } : {}), ...(strict != null ? { strict } : {}) } };
}

export const previousNotFound = (id: string, why: string) =>
  new GatewayError({ status: 400, message: `Previous response with id '${id}' not found${why}.`, param: 'previous_response_id', code: 'previous_response_not_found' });

function refuseStoreFeatures(request: ResponsesRequest, history: InputItem[] | undefined): void {
  if (request.previous_response_id && !history) throw previousNotFound(request.previous_response_id, ': no response store is attached');
  if (request.conversation != null) throw invalidRequest('Conversations need stored state, which this gateway does not keep yet.', 'conversation', 'unsupported_parameter');
  if (request.prompt != null) throw invalidRequest('Prompt templates live in OpenAI\'s dashboard and are not available through this gateway.', 'prompt', 'unsupported_parameter');
  if (request.background === true) throw invalidRequest('Background responses are not supported by this gateway.', 'background', 'unsupported_parameter');
}

/** `history`: the items of the stored chain previous_response_id names, oldest first (its instructions are not carried over, as at OpenAI). */
export function toChatRequest(request: ResponsesRequest, history?: InputItem[]): ChatRequest {
  refuseStoreFeatures(request, history);
  const messages: ChatMessage[] = [];
  if (request.instructions) messages.push({ role: 'system', content: request.instructions });
  if (history?.length) messages.push(...toChatMessages(history));
  const input = request.input ?? [];
  if (typeof input === 'string') messages.push({ role: 'user', content: input });
  else messages.push(...toChatMessages(input));
  if (messages.length === 0) throw invalidRequest('The request needs input (a string or a non-empty list of items).', 'input', 'missing_required_parameter');

  const chat: ChatRequest = { model: request.model, messages, stream: request.stream === true };
  if (request.tools?.length) chat.tools = toChatTools(request.tools);
  if (request.tool_choice != null) chat.tool_choice = toChatToolChoice(request.tool_choice);
  if (request.parallel_tool_calls != null) chat.parallel_tool_calls = request.parallel_tool_calls;
  const format = request.text?.format ? toResponseFormat(request.text.format) : undefined;
  if (format) chat.response_format = format;
  if (request.reasoning?.effort) chat.reasoning_effort = request.reasoning.effort;
  if (request.max_output_tokens != null) chat.max_completion_tokens = request.max_output_tokens;
  if (request.temperature != null) chat.temperature = request.temperature;
  if (request.top_p != null) chat.top_p = request.top_p;
  const user = request.safety_identifier ?? request.user;
  if (user) chat.user = user;
  return chat;
}
