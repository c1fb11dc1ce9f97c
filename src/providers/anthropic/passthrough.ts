// The native pass-through of /v1/messages to Anthropic: the client's body and its version/beta headers sent as
// they are, the answer's bytes relayed unchanged while its usage and stop reason are read on the way for the log.
import { z } from 'zod';
import { badUpstreamResponse } from '../../errors.js';
import { safeJsonParse } from '../../upstream/http.js';
import type { CallOptions, PassthroughAnswer, TokenCountRequest } from '../provider.js';
import { relayBody, TextAccumulator, truncatedStream, type RelayReader } from '../shared/relay-body.js';
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

type Block = { type?: unknown; text?: unknown };
interface MessageOrEvent {
  type?: unknown;
  message?: { usage?: unknown; stop_reason?: unknown };
  usage?: unknown;
  delta?: { stop_reason?: unknown; type?: unknown; text?: unknown };
  stop_reason?: unknown;
  content?: unknown;
}

/** Usage fields of a Message (JSON), or of message_start / message_delta events, merged as they come; text too. */
class UsageReader {
  private usage: AnthropicUsage | undefined;
  stop: string | undefined;
  readonly text = new TextAccumulator();
  /** message_stop, or the upstream's own error event, was seen: a stream without either was cut. */
  final = false;

  read(json: unknown): void {
    if (typeof json !== 'object' || json === null) return;
    const event = json as MessageOrEvent;
    if (event.type === 'message_stop' || event.type === 'error') this.final = true;
    if (event.type === 'content_block_delta' && event.delta?.type === 'text_delta' && typeof event.delta.text === 'string') return this.text.add(event.delta.text);
    if (event.type === 'message' && Array.isArray(event.content)) {
      for (const block of event.content as Block[]) if (block.type === 'text' && typeof block.text === 'string') this.text.add(block.text);
    }
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


/** What a data line must mention to be parsed; every other line is only scanned. */
const READ_WHEN = ['"usage"', '"stop_reason"', '"text_delta"', '"message_stop"', '"error"'];

function readLine(reader: UsageReader, line: string): void {
  if (!line.startsWith('data:') || !READ_WHEN.some((marker) => line.includes(marker))) return;
  try {
    reader.read(JSON.parse(line.slice(5)));
  } catch {
    // A line that is not JSON is the client's to judge: it gets the bytes unchanged either way.
  }
}

function sseLineReader(reader: UsageReader, provider: string): RelayReader {
  let pending = '';
  return {
    onText(text) {
      pending += text;
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        readLine(reader, pending.slice(0, newline));
        pending = pending.slice(newline + 1);
        newline = pending.indexOf('\n');
      }
    },
    onEnd() {
      readLine(reader, pending);
      if (!reader.final) throw truncatedStream(provider, 'message_stop');
    },
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
  const relayReader: RelayReader = streamed ? sseLineReader(reader, http.provider) : { onText: (text) => void (whole += text), onEnd: () => reader.read(safeJsonParse(whole)) };
  return {
    contentType,
    body: relayBody(res, http.provider, relayReader, streamed),
    usage: () => reader.result(),
    stopReason: () => reader.stop,
    content: () => reader.text.value(),
  };
}

