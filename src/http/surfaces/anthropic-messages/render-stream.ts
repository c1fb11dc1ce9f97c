// Internal chunks → Anthropic's SSE events: a pure push state machine. One content block is open at a time
// (thinking, text or one tool_use); a change of kind closes it. message_delta waits for end(), because OpenAI-shaped
// streams send the usage after the finish chunk and Anthropic's cumulative usage belongs in message_delta.
import type { GatewayError } from '../../../errors.js';
import type { ChatStreamEvent } from '../../../providers/provider.js';
import type { ToolCallDelta, Usage } from '../../../schemas/chat-response.js';
import { sseEvent } from '../../../upstream/sse.js';
import type { Redact, RenderContext, StreamRenderer } from '../surface.js';
import { renderAnthropicError } from './render-error.js';
import { estimatedInputOf, messageId, toMessageUsage, toStopReason, type AnthropicMessage, type StopReason } from './render-json.js';
import { matchedStopSequence, stopSequencesOf, TextTail } from './stop-sequence.js';
import { GATEWAY_THINKING_SIGNATURE } from '../../../schemas/signed-thinking.js';

type OpenBlock = { kind: 'text' | 'thinking'; index: number } | { kind: 'tool'; index: number; toolIndex: number };

const PING = sseEvent('ping', '{"type":"ping"}');
const MESSAGE_STOP = sseEvent('message_stop', '{"type":"message_stop"}');

export class MessagesStreamRenderer implements StreamRenderer {
  private nextIndex = 0;
  private open: OpenBlock | undefined;
  /** OpenAI tool-call index → Anthropic block index (a late fragment of an earlier call still finds its block). */
  private readonly toolBlocks = new Map<number, number>();
  private stopReason: StopReason | null = null;
  private stopSequence: string | null = null;
  private usage: Usage | undefined;
  private readonly sequences: string[] | undefined;
  /** Only kept when the request has stop sequences: the end of the text is all the match needs. */
  private readonly tail: TextTail | undefined;
  private estimatedInput = 0;

  constructor(private readonly context: RenderContext) {
    this.sequences = stopSequencesOf(context);
    this.tail = this.sequences ? new TextTail(this.sequences) : undefined;
  }

  start(): string {
    // The provider counts the input only at the end (OpenAI-wire usage chunk): count_tokens' estimate until then,
    // replaced by message_delta's cumulative input_tokens, as the SDK's MessageStream does.
    this.estimatedInput = estimatedInputOf(this.context);
    const usage = toMessageUsage(undefined, this.estimatedInput);
    const message: AnthropicMessage = {
      id: messageId(this.context),
      type: 'message',
      role: 'assistant',
      model: this.context.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      stop_details: null,
      container: null,
      diagnostics: null,
      usage,
    };
    return sseEvent('message_start', JSON.stringify({ type: 'message_start', message })) + PING;
  }

  chunk({ chunk }: ChatStreamEvent): string {
    if (chunk.usage) this.usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) return '';
    const delta = choice.delta;
    let out = '';
    if (delta.reasoning_content) out += this.thinking(delta.reasoning_content);
    if (delta.content) {
      out += this.text(delta.content);
      this.tail?.add(delta.content);
    }
    if (delta.refusal) out += this.text(delta.refusal);
    if (delta.tool_calls) for (const call of delta.tool_calls) out += this.tool(call);
    if (choice.finish_reason) {
      out += this.close();
      this.stopReason = toStopReason(choice.finish_reason);
      const named = (choice as { stop_reason?: unknown }).stop_reason;
      this.stopSequence = this.tail ? matchedStopSequence(this.sequences, choice.finish_reason, this.tail.toString(), named) : null;
      if (this.stopSequence !== null) this.stopReason = 'stop_sequence';
    }
    return out;
  }

  end(): string {
    const usage = toMessageUsage(this.usage, this.estimatedInput);
    const delta = { stop_reason: this.stopReason ?? 'end_turn', stop_sequence: this.stopSequence, stop_details: null, container: null };
    const cumulative = {
      input_tokens: usage.input_tokens,
      output_tokens: usage.output_tokens,
      cache_creation_input_tokens: usage.cache_creation_input_tokens,
      cache_read_input_tokens: usage.cache_read_input_tokens,
      output_tokens_details: usage.output_tokens_details,
      server_tool_use: null,
    };
    return this.close() + sseEvent('message_delta', JSON.stringify({ type: 'message_delta', delta, usage: cumulative })) + MESSAGE_STOP;
  }

  /** Anthropic's own mid-stream failure shape (e.g. overloaded_error after a 200): no message_stop follows. */
  error(err: GatewayError, redact: Redact): string {
    return sseEvent('error', JSON.stringify(renderAnthropicError(err, redact).body));
  }

  private thinking(text: string): string {
    const opened = this.open?.kind === 'thinking' ? '' : this.begin({ kind: 'thinking', index: this.nextIndex }, { type: 'thinking', thinking: '', signature: '' });
    return opened + this.delta(this.nextIndex - 1, { type: 'thinking_delta', thinking: text });
  }

  private text(text: string): string {
    const opened = this.open?.kind === 'text' ? '' : this.begin({ kind: 'text', index: this.nextIndex }, { type: 'text', text: '', citations: null });
    return opened + this.delta(this.nextIndex - 1, { type: 'text_delta', text });
  }

  private tool(call: ToolCallDelta): string {
    let out = '';
    let index = this.toolBlocks.get(call.index);
    if (index === undefined) {
      index = this.nextIndex;
      this.toolBlocks.set(call.index, index);
      const block = { type: 'tool_use', id: call.id ?? '', name: call.function?.name ?? '', input: {}, caller: { type: 'direct' } };
      out += this.begin({ kind: 'tool', index, toolIndex: call.index }, block);
    }
    const json = call.function?.arguments;
    return json ? out + this.delta(index, { type: 'input_json_delta', partial_json: json }) : out;
  }

  private begin(block: OpenBlock, contentBlock: object): string {
    const closed = this.close();
    this.open = block;
    this.nextIndex = block.index + 1;
    return closed + sseEvent('content_block_start', JSON.stringify({ type: 'content_block_start', index: block.index, content_block: contentBlock }));
  }

  private delta(index: number, delta: object): string {
    return sseEvent('content_block_delta', JSON.stringify({ type: 'content_block_delta', index, delta }));
  }

  /** Thinking blocks end with their signature, as Anthropic's do, so clients can send them back intact. */
  private close(): string {
    const block = this.open;
    if (!block) return '';
    this.open = undefined;
    const signature = block.kind === 'thinking' ? this.delta(block.index, { type: 'signature_delta', signature: GATEWAY_THINKING_SIGNATURE }) : '';
    return signature + sseEvent('content_block_stop', JSON.stringify({ type: 'content_block_stop', index: block.index }));
  }
}
