// The bridge's stream half: a push state machine turning chat chunks into Responses SSE events (response.created …
// output items with their parts and deltas … response.completed / incomplete / failed), sequence-numbered.
import type { GatewayError } from '../../../errors.js';
import type { ChatStreamEvent } from '../../../providers/provider.js';
import type { ToolCallDelta } from '../../../schemas/chat-response.js';
import { sseEvent } from '../../../upstream/sse.js';
import type { Redact, RenderContext, StreamRenderer } from '../surface.js';
import {
  functionCallItem,
  incompleteReason,
  itemId,
  messageItem,
  newResponseHex,
  outputText,
  reasoningItem,
  responseError,
  responseObject,
  type ResponseEcho,
  type ResponseState,
} from './response-object.js';

type Json = Record<string, unknown>;

/** A message or reasoning item being streamed: text so far and the frame prefix every delta of it shares. */
interface TextItem {
  kind: 'message' | 'reasoning';
  id: string;
  index: number;
  text: string;
  deltaPrefix: string;
}

interface CallItem {
  id: string;
  index: number;
  callId: string;
  name: string;
  args: string;
}

const DELTA_EVENT = { message: 'response.output_text.delta', reasoning: 'response.reasoning_summary_text.delta' } as const;

export class ResponsesStreamRenderer implements StreamRenderer {
  private seq = 0;
  private readonly state: ResponseState;
  private text: TextItem | undefined;
  private readonly calls = new Map<number, CallItem>();
  private finishReason: string | null = null;

  constructor(
    private readonly echo: ResponseEcho,
    private readonly context: RenderContext,
    /** Told the final Response once the stream ends (completed, incomplete or failed). */
    private readonly onFinal?: (response: Json) => void,
  ) {
    this.state = { hex: newResponseHex(), createdAt: context.createdAt, model: context.model, status: 'in_progress', output: [], usage: undefined };
  }

  /** The final Response as the last event carried it (for a store to keep), once the stream has ended. */
  get response(): Json | undefined {
    return this.state.status === 'in_progress' ? undefined : responseObject(this.state, this.echo);
  }

  start(): string {
    // The same Response twice: serialised once (the field order is emit's: type, response, sequence_number).
    const response = JSON.stringify(responseObject(this.state, this.echo));
    return this.emitResponse('response.created', response) + this.emitResponse('response.in_progress', response);
  }

  chunk(event: ChatStreamEvent): string {
    const chunk = event.chunk;
    if (chunk.usage) this.state.usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) return '';
    const delta = choice.delta;
    let out = '';
    if (delta.reasoning_content) out += this.textDelta('reasoning', delta.reasoning_content);
    if (delta.content) out += this.textDelta('message', delta.content);
    if (delta.tool_calls) for (const call of delta.tool_calls) out += this.callDelta(call);
    if (choice.finish_reason) this.finishReason = choice.finish_reason;
    return out;
  }

  end(): string {
    let out = this.closeText();
    if (this.state.output.length === 0) out += this.openText('message') + this.closeText();
    for (const call of this.calls.values()) out += this.closeCall(call);
    const reason = incompleteReason(this.finishReason);
    this.state.status = reason ? 'incomplete' : 'completed';
    this.state.incomplete = reason;
    const response = responseObject(this.state, this.echo);
    this.onFinal?.(response);
    return out + this.emit(reason ? 'response.incomplete' : 'response.completed', { response });
  }

  error(err: GatewayError, redact: Redact): string {
    if (this.context.relayed) return this.relayedError(err, redact(err.message));
    // Items cut off mid-way are reported as they stood, marked incomplete.
    if (this.text) this.state.output[this.text.index] = this.textItem(this.text, 'incomplete');
    for (const call of this.calls.values()) this.state.output[call.index] = functionCallItem(call.id, call.callId, call.name, call.args, 'incomplete');
    this.text = undefined;
    this.calls.clear();
    this.state.status = 'failed';
    this.state.error = responseError(err, redact(err.message));
    const response = responseObject(this.state, this.echo);
    this.onFinal?.(response);
    return this.emit('response.failed', { response });
  }

  /**
   * A relayed stream that broke: the failure continues the upstream's own numbering, on the response it announced
   * (its id, as the client knows it); without one, OpenAI's plain `error` event.
   */
  private relayedError(err: GatewayError, message: string): string {
    const { sequenceNumber, response } = this.context.relayed!;
    this.seq = sequenceNumber === undefined ? 0 : sequenceNumber + 1;
    if (!response) return this.emit('error', { code: responseError(err, message).code, message, param: null });
    const failed: Json = { ...response, status: 'failed', error: responseError(err, message), incomplete_details: null };
    delete failed.usage;
    this.onFinal?.(failed);
    return this.emit('response.failed', { response: failed });
  }

  private emitResponse(type: string, responseJson: string): string {
    return sseEvent(type, `{"type":"${type}","response":${responseJson},"sequence_number":${this.seq++}}`);
  }

  private emit(type: string, fields: Json): string {
    return sseEvent(type, JSON.stringify({ type, ...fields, sequence_number: this.seq++ }));
  }

  private textItem(item: TextItem, status: string): Json {
    return item.kind === 'message' ? messageItem(item.id, item.text, status) : { ...reasoningItem(item.id, item.text), status };
  }

  private textDelta(kind: TextItem['kind'], text: string): string {
    const out = this.text?.kind === kind ? '' : this.closeText() + this.openText(kind);
    const item = this.text as TextItem; // open now, whether it was before or openText just made it
    item.text += text;
    // The hot path: one string per delta from a prefix built when the item opened (no object, no stringify of it).
    return `${out}${item.deltaPrefix}${JSON.stringify(text)},"sequence_number":${this.seq++}}\n\n`;
  }

  private openText(kind: TextItem['kind']): string {
    const index = this.state.output.length;
    const id = itemId(kind === 'message' ? 'msg' : 'rs', this.state.hex, index);
    const position = kind === 'message' ? `"output_index":${index},"content_index":0,"logprobs":[]` : `"output_index":${index},"summary_index":0`;
    const type = DELTA_EVENT[kind];
    const item: TextItem = { kind, id, index, text: '', deltaPrefix: `event: ${type}\ndata: {"type":"${type}","item_id":"${id}",${position},"delta":` };
    this.text = item;
    const added = kind === 'message' ? messageItem(id, undefined, 'in_progress') : { ...reasoningItem(id, undefined), status: 'in_progress' };
    this.state.output.push(added);
    const opened = this.emit('response.output_item.added', { output_index: index, item: added });
    return kind === 'message'
      ? opened + this.emit('response.content_part.added', { item_id: id, output_index: index, content_index: 0, part: outputText('') })
      : opened + this.emit('response.reasoning_summary_part.added', { item_id: id, output_index: index, summary_index: 0, part: { type: 'summary_text', text: '' } });
  }

  private closeText(): string {
    const item = this.text;
    if (!item) return '';
    this.text = undefined;
    const status = incompleteReason(this.finishReason) ? 'incomplete' : 'completed';
    const done = this.textItem(item, status);
    this.state.output[item.index] = done;
    const { id, index, text } = item;
    const parts =
      item.kind === 'message'
        ? this.emit('response.output_text.done', { item_id: id, output_index: index, content_index: 0, text, logprobs: [] }) +
          this.emit('response.content_part.done', { item_id: id, output_index: index, content_index: 0, part: outputText(text) })
        : this.emit('response.reasoning_summary_text.done', { item_id: id, output_index: index, summary_index: 0, text }) +
          this.emit('response.reasoning_summary_part.done', { item_id: id, output_index: index, summary_index: 0, part: { type: 'summary_text', text } });
    return parts + this.emit('response.output_item.done', { output_index: index, item: done });
  }

  private callDelta(delta: ToolCallDelta): string {
    let out = '';
    let call = this.calls.get(delta.index);
    if (!call) {
      out = this.closeText();
      const index = this.state.output.length;
      call = { id: itemId('fc', this.state.hex, index), index, callId: delta.id ?? '', name: delta.function?.name ?? '', args: '' };
      this.calls.set(delta.index, call);
      const added = functionCallItem(call.id, call.callId, call.name, '', 'in_progress');
      this.state.output.push(added);
      out += this.emit('response.output_item.added', { output_index: index, item: added });
    }
    const args = delta.function?.arguments;
    if (!args) return out;
    call.args += args;
    return out + this.emit('response.function_call_arguments.delta', { item_id: call.id, output_index: call.index, delta: args });
  }

  private closeCall(call: CallItem): string {
    const done = functionCallItem(call.id, call.callId, call.name, call.args, incompleteReason(this.finishReason) ? 'incomplete' : 'completed');
    this.state.output[call.index] = done;
    return (
      this.emit('response.function_call_arguments.done', { item_id: call.id, name: call.name, output_index: call.index, arguments: call.args }) +
      this.emit('response.output_item.done', { output_index: call.index, item: done })
    );
  }
}
