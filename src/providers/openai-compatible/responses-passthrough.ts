// The native pass-through of /v1/responses to an upstream that speaks the Responses API (OpenAI, or a server
// configured so): the client's body sent as is (model rewritten by the router), the answer's bytes relayed
// unchanged while the log's usage, stop reason and output text are read on the way (JSON body, or the events).
import { z } from 'zod';
import type { Usage } from '../../schemas/chat-response.js';
import { safeJsonParse } from '../../upstream/http.js';
import { SseParser, type SseEvent } from '../../upstream/sse.js';
import type { PassthroughAnswer, RelayProgress } from '../provider.js';
import { relayBody, TextAccumulator, truncatedStream, type RelayReader } from '../shared/relay-body.js';
import type { ProviderHttp, UpstreamCall } from '../shared/http.js';

/** The inbound surface this adapter relays untranslated (src/http/surfaces/openai-responses). */
export const RESPONSES_DIALECT = 'openai-responses';

const usageSchema = z.looseObject({
  input_tokens: z.number(),
  output_tokens: z.number(),
  total_tokens: z.number().optional(),
  input_tokens_details: z.looseObject({ cached_tokens: z.number().optional() }).nullish(),
  output_tokens_details: z.looseObject({ reasoning_tokens: z.number().optional() }).nullish(),
});
const outputItemSchema = z.looseObject({ type: z.string(), content: z.array(z.looseObject({ type: z.string(), text: z.string().optional() })).nullish() });
const responseSchema = z.looseObject({
  usage: usageSchema.nullish(),
  status: z.string().optional(),
  incomplete_details: z.looseObject({ reason: z.string().nullish() }).nullish(),
  output: z.array(outputItemSchema).nullish(),
});
const responseEventSchema = z.looseObject({ response: z.record(z.string(), z.unknown()) });
const deltaSchema = z.looseObject({ delta: z.string() });

/** The final events: the ones that carry the usage. */
const FINAL_EVENTS = new Set(['response.completed', 'response.incomplete', 'response.failed']);
const SEQUENCE = /"sequence_number"\s*:\s*(\d+)/;

/**
 * The row's finish reason in the chat vocabulary the bridge logs for the same endpoint (stop, length, tool_calls,
 * content_filter, error), so rows compare whichever way the request went.
 */
function finishOf(response: z.infer<typeof responseSchema>): string | undefined {
  switch (response.status) {
    case 'completed':
      return response.output?.some((item) => item.type === 'function_call') ? 'tool_calls' : 'stop';
    case 'incomplete':
      return response.incomplete_details?.reason === 'max_output_tokens' ? 'length' : (response.incomplete_details?.reason ?? 'length');
    case 'failed':
      return 'error';
    default:
      return response.status;
  }
}

class ResponsesReader {
  usage: Usage | undefined;
  finish: string | undefined;
  readonly text = new TextAccumulator();
  /** Set once a final event (or the JSON body) was read: a stream without one was cut. */
  final = false;
  private created: Record<string, unknown> | undefined;
  private lastData: string | undefined;

  /** A Response object (the JSON answer, or a final event's `response`). */
  read(json: unknown, withText: boolean): void {
    const parsed = responseSchema.safeParse(json);
    if (!parsed.success) return;
    this.final = true;
    this.finish = finishOf(parsed.data);
    if (withText) {
      for (const item of parsed.data.output ?? []) if (item.type === 'message') for (const part of item.content ?? []) if (part.type === 'output_text' && part.text) this.text.add(part.text);
    }
    const usage = parsed.data.usage;
    if (!usage) return;
    this.usage = {
      prompt_tokens: usage.input_tokens,
      completion_tokens: usage.output_tokens,
      total_tokens: usage.total_tokens ?? usage.input_tokens + usage.output_tokens,
      ...(usage.input_tokens_details?.cached_tokens !== undefined ? { prompt_tokens_details: { cached_tokens: usage.input_tokens_details.cached_tokens } } : {}),
      ...(usage.output_tokens_details?.reasoning_tokens !== undefined ? { completion_tokens_details: { reasoning_tokens: usage.output_tokens_details.reasoning_tokens } } : {}),
    };
  }

  events(events: SseEvent[]): void {
    for (const event of events) {
      this.lastData = event.data;
      const type = event.event;
      if (type === 'response.output_text.delta') {
        const delta = deltaSchema.safeParse(safeJsonParse(event.data));
        if (delta.success) this.text.add(delta.data.delta);
      } else if (type === 'response.created') {
        const parsed = responseEventSchema.safeParse(safeJsonParse(event.data));
        if (parsed.success) this.created = parsed.data.response;
      } else if (type !== undefined && FINAL_EVENTS.has(type)) {
        const parsed = responseEventSchema.safeParse(safeJsonParse(event.data));
        // The deltas already gave the text; the final output would repeat it.
        if (parsed.success) this.read(parsed.data.response, false);
      }
    }
  }

  progress(): RelayProgress {
    const seq = this.lastData === undefined ? undefined : SEQUENCE.exec(this.lastData)?.[1];
    return { ...(seq !== undefined ? { sequenceNumber: Number(seq) } : {}), ...(this.created ? { response: this.created } : {}) };
  }
}

function streamReader(reader: ResponsesReader, provider: string): RelayReader {
  const parser = new SseParser();
  const events: SseEvent[] = [];
  return {
    onText(text) {
      parser.push(text, events);
      if (events.length > 0) reader.events(events.splice(0));
    },
    onEnd() {
      parser.end(events);
      reader.events(events.splice(0));
      if (!reader.final) throw truncatedStream(provider, 'response.completed');
    },
  };
}

export async function responsesPassthrough(http: ProviderHttp, call: UpstreamCall, body: Record<string, unknown>): Promise<PassthroughAnswer> {
  const res = body.stream === true ? await http.stream(call) : await http.send(call);
  const reader = new ResponsesReader();
  const contentType = String(res.headers['content-type'] ?? 'application/json');
  const streamed = contentType.includes('text/event-stream');
  let whole = '';
  const relayReader: RelayReader = streamed
    ? streamReader(reader, http.provider)
    : { onText: (text) => void (whole += text), onEnd: () => reader.read(safeJsonParse(whole), true) };
  return {
    contentType,
    body: relayBody(res, http.provider, relayReader, streamed),
    usage: () => reader.usage,
    stopReason: () => reader.finish,
    content: () => reader.text.value(),
    progress: () => reader.progress(),
  };
}
