// The WebSocket dialect: `{"type":"user_message","content","model"?}` in; `assistant_delta` messages, then
// `assistant_done` with the usage and request id, or `error` (OpenAI's error object, redacted) out. One JSON text
// message per renderer call: the socket frames them, so there is no SSE here.
import { z } from 'zod';
import type { Usage } from '../../../schemas/chat-response.js';
import { renderOpenAIError } from '../openai-chat/errors.js';
import { parseOrThrow } from '../../validate.js';
import type { GatewayError } from '../../../errors.js';
import type { Redact, RenderContext, StreamRenderer, Surface } from '../surface.js';

export const userMessageSchema = z.object({
  type: z.literal('user_message'),
  content: z.string().min(1).max(100_000),
  model: z.string().min(1).optional(),
});

export interface WsExtras {
  sessionId: string;
}

export const errorMessage = (err: GatewayError, redact: Redact): string =>
  JSON.stringify({ type: 'error', error: (renderOpenAIError(err, redact).body as { error: unknown }).error });

function wsStream(context: RenderContext): StreamRenderer {
  let usage: Usage | null = null;
  return {
    start: () => '',
    chunk(event) {
      if (event.chunk.usage) usage = event.chunk.usage;
      const content = event.chunk.choices[0]?.delta.content;
      return content ? JSON.stringify({ type: 'assistant_delta', content }) : '';
    },
    end: () => JSON.stringify({ type: 'assistant_done', usage, request_id: context.requestId, model: context.model, provider: context.provider }),
    error: errorMessage,
  };
}

/** `body` is one parsed client message; `sessionId` is the socket's. */
export function wsSurface(defaultModel: () => string, sessionId: string): Surface {
  return {
    name: 'ws',
    parse(body) {
      const message = parseOrThrow(userMessageSchema, body);
      const extras: WsExtras = { sessionId };
      return {
        chat: { model: message.model ?? defaultModel(), messages: [{ role: 'user', content: message.content }], stream: true },
        stream: true,
        // The usage-only chunk must reach the renderer: assistant_done reports it.
        includeUsage: true,
        sessionId,
        extras,
      };
    },
    renderJson: () => {
      throw new Error('the WebSocket surface only streams');
    },
    openStream: wsStream,
    renderError: renderOpenAIError,
  };
}
