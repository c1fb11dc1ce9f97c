// Signed thinking blocks on internal assistant messages (put there by the Messages surface, replayed by the Anthropic
// adapter), and the signature the gateway puts on reasoning it relays from targets that do not sign it.
//
// The blocks ride under a symbol key: JSON.stringify skips symbols, so the OpenAI-wire adapter (which serialises
// messages as they are) can never send a signature to a vendor that would reject the unknown field, while a
// translator that can replay them (Anthropic) reads them with thinkingBlocksOf(). Spreads keep them.
import type { AssistantMessage } from './chat-request.js';

export type SignedThinking = { type: 'thinking'; thinking: string; signature: string } | { type: 'redacted_thinking'; data: string };

const THINKING_BLOCKS = Symbol.for('llm-gateway.anthropic.thinking-blocks');

type WithThinking = { [THINKING_BLOCKS]?: SignedThinking[] };

export function attachThinking(message: AssistantMessage, blocks: SignedThinking[]): AssistantMessage {
  if (blocks.length > 0) (message as WithThinking)[THINKING_BLOCKS] = blocks;
  return message;
}

export function thinkingBlocksOf(message: object): SignedThinking[] | undefined {
  return (message as WithThinking)[THINKING_BLOCKS];
}

/**
 * Anthropic's SDK types require a signature on every thinking block and clients send the blocks back verbatim.
 * Reasoning relayed from an unsigned target gets this marker, so the gateway can recognise its own blocks when
 * they come back and never present them to Anthropic as Claude's (Anthropic rejects a forged signature).
 */
export const GATEWAY_THINKING_SIGNATURE = 'llm-gateway:unsigned-reasoning';

export const isGatewaySignature = (signature: string) => signature === GATEWAY_THINKING_SIGNATURE;
