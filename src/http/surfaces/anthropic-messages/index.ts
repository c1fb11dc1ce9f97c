// The Anthropic Messages surface (/v1/messages): parse into the internal chat model, render Message JSON, the
// message_start … message_stop event stream and Anthropic's error envelope.
import type { Surface } from '../surface.js';
import { parseMessagesRequest } from './parse.js';
import { renderAnthropicError } from './render-error.js';
import { renderMessage } from './render-json.js';
import { MessagesStreamRenderer } from './render-stream.js';

export const anthropicMessagesSurface: Surface = {
  name: 'anthropic-messages',
  parse: parseMessagesRequest,
  renderJson: renderMessage,
  openStream: (context) => new MessagesStreamRenderer(context),
  renderError: renderAnthropicError,
};
