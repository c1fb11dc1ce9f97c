// The native pass-through of /v1/messages to Anthropic: the client's body and its version/beta headers sent as
// they are, the answer's bytes relayed unchanged while its usage and stop reason are read on the way for the log.
import { z } from 'zod';
import { badUpstreamResponse } from '../../errors.js';
import { safeJsonParse } from '../../upstream/http.js';
import type { CallOptions, PassthroughAnswer, TokenCountRequest } from '../provider.js';
import { relayBody } from '../shared/relay-body.js';
import type { ProviderHttp } from '../shared/http.js';
import { fromAnthropicUsage } from './response.js';
import { anthropicUsageSchema, type AnthropicUsage } from './wire.js';

/** The inbound surface this adapter relays untranslated (src/http/surfaces/anthropic-messages). */
export const MESSAGES_DIALECT = 'anthropic-messages';
/** The client's headers that reach Anthropic; never its key (the gateway's), which the provider's own replaces. */
const FORWARDED_HEADERS = ['anthropic-version', 'anthropic-beta'] as const;

function forwarded(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of FORWARDED_HEADERS) if (headers[name]) out[name] = headers[name];
  return out;
}

/** Usage fields of a Message (JSON), or of message_start / message_delta events, merged as they come. */
class UsageReader {
  private usage: AnthropicUsage | undefined;
  stop: string | undefined;

  read(json: unknown): void {
    if (typeof json !== 'object' || json === null) return;
    const event = json as { type?: unknown; message?: { usage?: unknown; stop_reason?: unknown }; usage?: unknown; delta?: { stop_reason?: unknown }; stop_reason?: unknown };
    const message = event.type === 'message_start' ? event.message : undefined;
    this.merge(message?.usage ?? event.usage);
    const stop = event.delta?.stop_reason ?? event.stop_reason;
    if (typeof stop === 'string') this.stop = stop;
  }

  private merge(raw: unknown): void {
    const parsed = anthropicUsageSchema.safeParse(raw);
    if (!parsed.success) return;
    this.usage ??= {};
    for (const [key, value] of Object.entries(parsed.data)) if (value != null) this.usage[key] = value;
  }

  result() {
    return this.usage ? fromAnthropicUsage(this.usage) : undefined;
  }
}


/** SSE `data:` lines that can carry usage or a stop reason are parsed; every other line is only scanned. */
function sseLineReader(reader: UsageReader) {
  let pending = '';
  return (text: string) => {
    pending += text;
    let newline = pending.indexOf('\n');
    while (newline >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      if (line.startsWith('data:') && (line.includes('"usage"') || line.includes('"stop_reason"'))) {
        try {
          reader.read(JSON.parse(line.slice(5)));
        } catch {
          // A line that is not JSON is the client's to judge: it gets the bytes unchanged either way.
        }
      }
      newline = pending.indexOf('\n');
    }
  };
}

const countSchema = z.looseObject({ input_tokens: z.number().int().nonnegative() });

/** Anthropic's own count_tokens for the client's body as sent (model rewritten), with its version and betas. */
export async function anthropicCountTokens(http: ProviderHttp, url: string, request: TokenCountRequest, model: string, options: CallOptions): Promise<number> {
  const body = request.dialect === MESSAGES_DIALECT ? { ...request.body, model } : { model, messages: request.chat.messages };
  const call = { url, body, headers: forwarded(request.headers), signal: options.signal, headersTimeoutMs: options.firstByteTimeoutMs, bodyTimeoutMs: options.idleTimeoutMs };
  const parsed = countSchema.safeParse(await http.json(call));
  if (!parsed.success) throw badUpstreamResponse(http.provider, 'count_tokens body');
  return parsed.data.input_tokens;
}

export async function anthropicPassthrough(http: ProviderHttp, url: string, body: Record<string, unknown>, headers: Record<string, string>, options: CallOptions): Promise<PassthroughAnswer> {
  const res = await http.send({ url, body, headers: forwarded(headers), signal: options.signal, headersTimeoutMs: options.firstByteTimeoutMs, bodyTimeoutMs: options.idleTimeoutMs });
  const reader = new UsageReader();
  const contentType = String(res.headers['content-type'] ?? 'application/json');
  let whole = '';
  const streamed = contentType.includes('text/event-stream');
  const onText = streamed ? sseLineReader(reader) : (text: string) => void (whole += text);
  const onEnd = streamed ? () => undefined : () => reader.read(safeJsonParse(whole));
  return { contentType, body: relayBody(res, http.provider, onText, onEnd), usage: () => reader.result(), stopReason: () => reader.stop };
}

