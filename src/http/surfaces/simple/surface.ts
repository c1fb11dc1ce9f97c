// The simple API as a Surface: a question in, `{answer, model, provider, request_id, session_id}` out; its stream
// announces the route it took, then sends `{"content": …}` events and [DONE]. Errors use OpenAI's envelope.
import { z } from 'zod';
import { SSE_DONE, sseData } from '../../../upstream/sse.js';
import { openAIErrorEvent, renderOpenAIError } from '../openai-chat/errors.js';
import { parseOrThrow } from '../../validate.js';
import type { RenderContext, StreamRenderer, Surface } from '../surface.js';

export const askSchema = z.object({
  question: z.string().min(1).max(100_000),
  model: z.string().min(1).optional(),
  session_id: z.string().min(1).max(200).optional(),
  /** false: do not send the session's earlier turns along (the turn is still recorded in the session). */
  context: z.boolean().optional(),
});

export const answerSchema = z.object({
  answer: z.string(),
  model: z.string(),
  provider: z.string(),
  request_id: z.string(),
  session_id: z.string().nullable(),
});

export interface SimpleExtras {
  sessionId: string | null;
  /** Send the session's earlier turns before the question. */
  remember: boolean;
}

const sessionOf = (context: RenderContext) => (context.extras as SimpleExtras | undefined)?.sessionId ?? null;

const simpleStream = (context: RenderContext): StreamRenderer => ({
  start: () => sseData(JSON.stringify({ request_id: context.requestId, model: context.model, provider: context.provider })),
  chunk(event) {
    const content = event.chunk.choices[0]?.delta.content;
    return content ? sseData(JSON.stringify({ content })) : '';
  },
  end: () => SSE_DONE,
  error: openAIErrorEvent,
});

/** `defaultModel` answers a question that names no model (DEFAULT_MODEL, the mock, an alias, a provider's first). */
export function simpleSurface(defaultModel: () => string, stream: boolean): Surface {
  return {
    name: stream ? 'simple-stream' : 'simple',
    parse(body) {
      const ask = parseOrThrow(askSchema, body);
      const extras: SimpleExtras = { sessionId: ask.session_id ?? null, remember: ask.context !== false };
      return {
        chat: { model: ask.model ?? defaultModel(), messages: [{ role: 'user', content: ask.question }], stream },
        stream,
        includeUsage: false,
        sessionId: ask.session_id,
        extras,
      };
    },
    renderJson: (completion, context) => ({
      answer: completion.choices[0]?.message.content ?? '',
      model: context.model,
      provider: context.provider,
      request_id: context.requestId,
      session_id: sessionOf(context),
    }),
    openStream: simpleStream,
    renderError: renderOpenAIError,
  };
}
