// OpenAI chat request → Anthropic Messages request (wire doc §3.1). Pure; throws a 400 GatewayError for what
// Anthropic cannot express (n > 1, audio, OpenAI file ids) so the client learns why instead of getting less.
import { z } from 'zod';
import { GatewayError } from '../../errors.js';
import { contentText, maxOutputTokens, type ChatMessage, type ChatRequest, type ToolChoice, type UserContentPart } from '../../schemas/chat-request.js';
import { isGatewaySignature, thinkingBlocksOf, type SignedThinking } from '../../schemas/signed-thinking.js';
import { anthropicModelTraits } from './models.js';

export const JSON_TOOL_NAME = 'json_output';

type Source = { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string } | { type: 'text'; media_type: 'text/plain'; data: string };
export type AnthropicBlock =
  | { type: 'text'; text: string }
  | { type: 'image'; source: Source }
  | { type: 'document'; source: Source; title?: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> }
  | { type: 'tool_result'; tool_use_id: string; content?: string }
  | SignedThinking;
export interface AnthropicMessageParam {
  role: 'user' | 'assistant';
  content: string | AnthropicBlock[];
}
export type AnthropicToolChoice =
  | { type: 'auto' | 'any'; disable_parallel_tool_use?: boolean }
  | { type: 'tool'; name: string; disable_parallel_tool_use?: boolean }
  | { type: 'none' };
export interface AnthropicRequest {
  model: string;
  max_tokens: number;
  messages: AnthropicMessageParam[];
  system?: string;
  stop_sequences?: string[];
  temperature?: number;
  top_p?: number;
  metadata?: { user_id: string };
  tools?: { name: string; description?: string; input_schema: Record<string, unknown> }[];
  tool_choice?: AnthropicToolChoice;
  thinking?: { type: 'enabled'; budget_tokens: number };
  stream?: boolean;
}
/** The body plus what the response translator must know: the name of the JSON-mode tool, if one was added. */
export interface AnthropicRequestPlan {
  body: AnthropicRequest;
  jsonTool?: string;
}

// Thinking budgets per OpenAI effort. 1024 is Anthropic's minimum; every reasoning model's ceiling (≥ 32000)
// leaves room for the largest budget plus an answer.
const THINKING_BUDGET: Record<string, number> = { minimal: 1024, low: 2048, medium: 8192, high: 16384, xhigh: 24576 };

const unsupported = (provider: string, param: string, message: string) =>
  new GatewayError({ status: 400, message: `${provider}: ${message}`, param, code: 'unsupported_parameter', tryOtherTargets: true });

/** What Anthropic cannot express, found deep in the translation; toAnthropicRequest names the configured provider. */
class Inexpressible extends Error {
  constructor(
    readonly param: string,
    message: string,
  ) {
    super(message);
  }
}

const DATA_URL = /^data:([^;,]+)[^,]*;base64,(.*)$/s;
const filePartSchema = z.looseObject({ file_data: z.string().optional(), file_id: z.string().optional(), filename: z.string().optional() });

function imageBlock(url: string): AnthropicBlock {
  const data = DATA_URL.exec(url);
  if (data) return { type: 'image', source: { type: 'base64', media_type: data[1] ?? '', data: data[2] ?? '' } };
  return { type: 'image', source: { type: 'url', url } };
}

function documentBlock(file: unknown, param: string): AnthropicBlock {
  const { file_data: fileData, filename } = filePartSchema.parse(file);
  if (!fileData) throw new Inexpressible(param, 'file parts need file_data (a data URL); OpenAI file ids mean nothing to Anthropic');
  const data = DATA_URL.exec(fileData);
  // Some clients send bare base64 with a .pdf filename instead of a data URL.
  const mediaType = data ? data[1] : filename?.toLowerCase().endsWith('.pdf') ? 'application/pdf' : undefined;
  const base64 = data ? (data[2] ?? '') : fileData;
  const title = filename ? { title: filename } : {};
  if (mediaType === 'application/pdf') return { type: 'document', source: { type: 'base64', media_type: mediaType, data: base64 }, ...title };
  if (mediaType === 'text/plain') {
    return { type: 'document', source: { type: 'text', media_type: 'text/plain', data: Buffer.from(base64, 'base64').toString('utf8') }, ...title };
  }
  throw new Inexpressible(param, `file type '${mediaType ?? 'unknown'}' is not supported (PDF or plain text only)`);
}

const textBlocks = (text: string): AnthropicBlock[] => (text ? [{ type: 'text', text }] : []); // empty text blocks are a 400

function userBlocks(content: string | UserContentPart[], i: number): AnthropicBlock[] {
  if (typeof content === 'string') return textBlocks(content);
  return content.flatMap((part, p): AnthropicBlock[] => {
    const param = `messages[${i}].content[${p}]`;
    if (part.type === 'text') return textBlocks(part.text);
    if (part.type === 'image_url') return [imageBlock(part.image_url.url)];
    if (part.type === 'file') return [documentBlock(part.file, param)];
    throw new Inexpressible(param, 'audio input is not supported');
  });
}

function parseToolInput(args: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(args);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * The signed thinking blocks of an assistant turn that Anthropic can take back: its own signatures and redacted
 * blocks. Reasoning the gateway relayed from another provider carries the gateway's marker instead of a signature
 * (Anthropic rejects a signature it did not make), and is never replayed.
 */
export function replayableThinking(message: ChatMessage): SignedThinking[] {
  if (message.role !== 'assistant') return [];
  return (thinkingBlocksOf(message) ?? []).filter((b) => b.type === 'redacted_thinking' || (b.signature !== '' && !isGatewaySignature(b.signature)));
}

function assistantBlocks(message: Extract<ChatMessage, { role: 'assistant' }>, withThinking: boolean): AnthropicBlock[] {
  const content = message.content ?? '';
  const parts: string[] = typeof content === 'string' ? [content] : content.map((p) => (p.type === 'text' ? p.text : p.refusal));
  const blocks: AnthropicBlock[] = withThinking ? [...replayableThinking(message)] : [];
  blocks.push(...parts.flatMap(textBlocks));
  for (const call of message.tool_calls ?? []) {
    blocks.push({ type: 'tool_use', id: call.id, name: call.function.name, input: parseToolInput(call.function.arguments) });
  }
  return blocks;
}

/** Anthropic has two roles that must alternate: merge neighbours, tool results first in their user turn. */
function toAnthropicMessages(messages: ChatMessage[], withThinking: boolean): { system: string; messages: AnthropicMessageParam[] } {
  const system: string[] = [];
  const turns: { role: 'user' | 'assistant'; blocks: AnthropicBlock[] }[] = [];
  const push = (role: 'user' | 'assistant', blocks: AnthropicBlock[]) => {
    if (blocks.length === 0) return;
    const last = turns.at(-1);
    if (last?.role === role) last.blocks.push(...blocks);
    else turns.push({ role, blocks });
  };
  messages.forEach((message, i) => {
    switch (message.role) {
      case 'system':
      case 'developer':
        if (contentText(message.content)) system.push(contentText(message.content));
        return;
      case 'user':
        return push('user', userBlocks(message.content, i));
      case 'assistant':
        return push('assistant', assistantBlocks(message, withThinking));
      case 'tool': {
        const text = contentText(message.content);
        return push('user', [{ type: 'tool_result', tool_use_id: message.tool_call_id, ...(text ? { content: text } : {}) }]);
      }
      case 'function':
        throw new Inexpressible(`messages[${i}].role`, "legacy 'function' messages are not supported; use 'tool' messages");
    }
  });
  for (const turn of turns) {
    if (turn.role === 'user') turn.blocks.sort((a, b) => Number(b.type === 'tool_result') - Number(a.type === 'tool_result'));
  }
  // A final assistant turn is a prefill, and Anthropic rejects a prefill ending in whitespace.
  const last = turns.at(-1);
  const tail = last?.role === 'assistant' ? last.blocks.at(-1) : undefined;
  if (last && tail?.type === 'text') {
    tail.text = tail.text.trimEnd();
    if (!tail.text) last.blocks.pop();
    if (last.blocks.length === 0) turns.pop();
  }
  return {
    system: system.join('\n\n'),
    messages: turns.map(({ role, blocks }) => ({ role, content: blocks.length === 1 && blocks[0]?.type === 'text' ? blocks[0].text : blocks })),
  };
}

function toAnthropicToolChoice(choice: ToolChoice | null | undefined, jsonTool: string | undefined, hasUserTools: boolean): AnthropicToolChoice | undefined {
  if (jsonTool) {
    // JSON mode: the model must answer through a tool; with the client's own tools it may pick one of them.
    if (!hasUserTools || choice === 'none') return { type: 'tool', name: jsonTool };
    if (typeof choice === 'object' && choice?.type === 'function') return { type: 'tool', name: choice.function.name };
    return { type: 'any' };
  }
  if (!hasUserTools || choice == null) return undefined;
  if (choice === 'auto' || choice === 'none') return { type: choice };
  if (choice === 'required') return { type: 'any' };
  if (choice.type === 'function') return { type: 'tool', name: choice.function.name };
  throw new Inexpressible('tool_choice', `tool_choice type '${choice.type}' is not supported`);
}

/** `provider` is the configured id: every refusal names it. */
export function toAnthropicRequest(request: ChatRequest, model: string, provider: string): AnthropicRequestPlan {
  try {
    return translateRequest(request, model, provider);
  } catch (err) {
    throw err instanceof Inexpressible ? unsupported(provider, err.param, err.message) : err;
  }
}

function translateRequest(request: ChatRequest, model: string, provider: string): AnthropicRequestPlan {
  // Anthropic returns one answer per call; silently returning 1 of n would break the client's indexing.
  if (request.n != null && request.n > 1) throw unsupported(provider, 'n', 'n > 1 is not supported (one choice per request)');
  const traits = anthropicModelTraits(model);
  const { system, messages } = toAnthropicMessages(request.messages, false);
  const body: AnthropicRequest = { model, max_tokens: 0, messages };
  if (system) body.system = system;

  const tools: NonNullable<AnthropicRequest['tools']> = (request.tools ?? []).map((tool, i) => {
    if (tool.type !== 'function' || !('function' in tool)) throw unsupported(provider, `tools[${i}]`, `tool type '${tool.type}' is not supported`);
    const { name, description, parameters } = tool.function;
    return { name, ...(description ? { description } : {}), input_schema: parameters ?? { type: 'object', properties: {} } };
  });
  const hasUserTools = tools.length > 0;
  let jsonTool: string | undefined;
  const format = request.response_format;
  if (format?.type === 'json_schema' || format?.type === 'json_object') {
    jsonTool = JSON_TOOL_NAME;
    while (tools.some((t) => t.name === jsonTool)) jsonTool += '_';
    const schema = format.type === 'json_schema' ? format.json_schema : undefined;
    tools.push({
      name: jsonTool,
      description: schema?.description ?? 'Respond by calling this tool: its input is the final answer, as JSON matching input_schema.',
      input_schema: schema?.schema ?? { type: 'object' },
    });
  }
  if (tools.length > 0) body.tools = tools;
  const choice = toAnthropicToolChoice(request.tool_choice, jsonTool, hasUserTools);
  if (request.parallel_tool_calls === false && hasUserTools && choice?.type !== 'none') {
    body.tool_choice = { ...(choice ?? { type: 'auto' }), disable_parallel_tool_use: true };
  } else if (choice) {
    body.tool_choice = choice;
  }

  // Thinking: only on models that have it, and not with a forced tool (Anthropic answers 400 to that pair).
  const effort = request.reasoning_effort;
  if (effort != null && effort !== 'none' && THINKING_BUDGET[effort] === undefined) {
    throw new GatewayError({ status: 400, message: `${provider}: unknown reasoning_effort '${effort}'`, param: 'reasoning_effort', code: 'invalid_value' });
  }
  const forced = body.tool_choice?.type === 'any' || body.tool_choice?.type === 'tool';
  // Mid tool loop (the last user turn is only tool results) Anthropic wants the turn's signed thinking blocks
  // replayed: possible when the history carries Anthropic's own (the Messages surface keeps them); otherwise (OpenAI
  // history, other providers' reasoning) think again on the next real user turn instead.
  const lastUser = messages.findLast((m) => m.role === 'user')?.content;
  const inToolLoop = Array.isArray(lastUser) && lastUser.every((b) => b.type === 'tool_result');
  const lastAssistant = request.messages.findLast((m) => m.role === 'assistant');
  const signedLoop = inToolLoop && lastAssistant !== undefined && replayableThinking(lastAssistant).length > 0;
  const budget = effort && traits.reasoning && !forced && (!inToolLoop || signedLoop) ? THINKING_BUDGET[effort] : undefined;
  const answerTokens = maxOutputTokens(request) ?? traits.defaultMaxTokens;
  // Thinking blocks go back only when thinking is on: without it they are no use to the model.
  if (budget) body.messages = toAnthropicMessages(request.messages, true).messages;
  if (budget) {
    body.thinking = { type: 'enabled', budget_tokens: budget };
    // Anthropic's max_tokens must exceed the budget: the client's limit (or the default) is taken as the
    // answer's allowance and the budget added on top (as vercel/ai does), so thinking never starves the answer.
    body.max_tokens = Math.min(answerTokens + budget, traits.maxOutputTokens);
    // Thinking rejects temperature changes and allows top_p only in [0.95, 1].
    if (request.top_p != null && request.top_p >= 0.95) body.top_p = request.top_p;
  } else {
    body.max_tokens = answerTokens;
    if (request.temperature != null) body.temperature = Math.min(1, Math.max(0, request.temperature)); // OpenAI 0..2, Anthropic 0..1
    // "Alter temperature or top_p, not both": Sonnet/Haiku 4.5, Opus 4.1 and later answer 400 to the pair, so
    // temperature wins (BerriAI/litellm#15097 quotes the error).
    else if (request.top_p != null) body.top_p = request.top_p;
  }
  if (request.stop != null) body.stop_sequences = typeof request.stop === 'string' ? [request.stop] : request.stop;
  if (request.user) body.metadata = { user_id: request.user };
  // seed, penalties, logit_bias, logprobs, service_tier, store and OpenAI metadata have no Anthropic field.
  return { body, ...(jsonTool ? { jsonTool } : {}) };
}
