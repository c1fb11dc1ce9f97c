// The native pass-through of /v1/responses to an upstream that speaks the Responses API (OpenAI, or a server
// configured so): the client's body sent as is (model rewritten by the router), the answer's bytes relayed
// unchanged while its usage and status are read on the way for the log (JSON body, or the final response.* event).
import { z } from 'zod';
import type { Usage } from '../../schemas/chat-response.js';
import { safeJsonParse } from '../../upstream/http.js';
import { SseParser, type SseEvent } from '../../upstream/sse.js';
import type { PassthroughAnswer } from '../provider.js';
import { relayBody } from '../shared/relay-body.js';
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
const responseSchema = z.looseObject({ usage: usageSchema.nullish(), status: z.string().optional() });
const finalEventSchema = z.looseObject({ response: responseSchema });

/** The final events: the ones that carry the usage. */
const FINAL_EVENTS = new Set(['response.completed', 'response.incomplete', 'response.failed']);

class ResponsesReader {
  usage: Usage | undefined;
  status: string | undefined;

  /** A Response object (the JSON answer, or a final event's `response`). */
  read(json: unknown): void {
    const parsed = responseSchema.safeParse(json);
    if (!parsed.success) return;
    if (parsed.data.status) this.status = parsed.data.status;
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
      if (event.event === undefined || !FINAL_EVENTS.has(event.event)) continue;
      const parsed = finalEventSchema.safeParse(safeJsonParse(event.data));
      if (parsed.success) this.read(parsed.data.response);
    }
  }
}


export async function responsesPassthrough(http: ProviderHttp, call: UpstreamCall, body: Record<string, unknown>): Promise<PassthroughAnswer> {
  const res = body.stream === true ? await http.stream(call) : await http.send(call);
  const reader = new ResponsesReader();
  const contentType = String(res.headers['content-type'] ?? 'application/json');
  const streamed = contentType.includes('text/event-stream');
  let onText: (text: string) => void;
  let onEnd: () => void;
  if (streamed) {
    const parser = new SseParser();
    const events: SseEvent[] = [];
    onText = (text) => {
      parser.push(text, events);
      if (events.length > 0) reader.events(events.splice(0));
    };
    onEnd = () => undefined;
  } else {
    let whole = '';
    onText = (text) => void (whole += text);
    onEnd = () => reader.read(safeJsonParse(whole));
  }
  return { contentType, body: relayBody(res, http.provider, onText, onEnd), usage: () => reader.usage, stopReason: () => reader.status };
}
