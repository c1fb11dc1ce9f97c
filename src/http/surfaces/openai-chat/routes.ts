// POST /v1/chat/completions: OpenAI Chat Completions, JSON or SSE, through the exchange pipeline.
import type { FastifyInstance } from 'fastify';
import { chatRequestSchema } from '../../../schemas/chat-request.js';
import { chatCompletionSchema } from '../../../schemas/chat-response.js';
import { errorHandlerFor } from '../../errors.js';
import { documented } from '../../route-schemas.js';
import { openAIErrorSchema } from '../../openapi-shapes.js';
import { serveChat, type SurfaceRoutes } from '../serve.js';
import { openAIChatSurface } from './surface.js';

export const registerChatCompletions: SurfaceRoutes = (scope: FastifyInstance, { deps, pipeline }) => {
  // This scope's errors (the auth hook's 401 included) in this surface's envelope.
  scope.setErrorHandler(errorHandlerFor(openAIChatSurface.renderError, deps.redact));
  scope.post(
    '/v1/chat/completions',
    {
      schema: {
        summary: 'Create a chat completion (JSON, or SSE of chat.completion.chunk when stream is true)',
        tags: ['OpenAI'],
        body: documented(chatRequestSchema),
        response: { 200: documented(chatCompletionSchema), default: documented(openAIErrorSchema) },
      },
    },
    (req, reply) => serveChat(pipeline, openAIChatSurface, '/v1/chat/completions', req, reply),
  );
};
