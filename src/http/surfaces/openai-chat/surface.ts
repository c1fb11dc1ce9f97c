// OpenAI Chat Completions as a Surface: the request is already the internal chat model; JSON passes through;
// the stream is one `data:` line per chunk (the upstream's own bytes when it spoke OpenAI) and ends with [DONE].
import { chatRequestSchema, wantsStreamUsage } from '../../../schemas/chat-request.js';
import { SSE_DONE, sseData } from '../../../upstream/sse.js';
import { parseOrThrow } from '../../validate.js';
import type { ParsedRequest, StreamRenderer, Surface } from '../surface.js';
import { openAIErrorEvent, renderOpenAIError } from './errors.js';

type Headers = Record<string, string | string[] | undefined>;

export function sessionIdOf(headers: Headers, metadata?: Record<string, string> | null): string | undefined {
  const header = headers['x-session-id'];
  if (typeof header === 'string' && header) return header;
  return metadata?.session_id ?? undefined;
}

/** Stateless, so every stream shares it: no allocation per stream. */
const openAIChatStream: StreamRenderer = {
  start: () => '',
  chunk: (event) => sseData(event.raw ?? JSON.stringify(event.chunk)),
  end: () => SSE_DONE,
  error: openAIErrorEvent,
};

export const openAIChatSurface: Surface = {
  name: 'openai-chat',
  parse(body: unknown, headers: Headers): ParsedRequest {
    const chat = parseOrThrow(chatRequestSchema, body);
    return { chat, stream: chat.stream === true, includeUsage: wantsStreamUsage(chat), sessionId: sessionIdOf(headers, chat.metadata) };
  },
  renderJson: (completion) => completion,
  openStream: () => openAIChatStream,
  renderError: renderOpenAIError,
};
