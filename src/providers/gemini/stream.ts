// Stateful translation of streamGenerateContent?alt=sse events into OpenAI chunks (wire doc §2.4): role first,
// content / reasoning / whole tool calls as they arrive, then finish and usage only once the upstream closed
// (usageMetadata is cumulative on every event: the last one wins).
import { badUpstreamResponse, GatewayError } from '../../errors.js';
import { safeJsonParse } from '../../upstream/http.js';
import { decodeSse } from '../../upstream/sse.js';
import type { ChatStreamEvent } from '../provider.js';
import type { ChunkFactory } from '../chunks.js';
import { defaultSignatureCodec, type ThoughtSignatureCodec } from './signature.js';
import { fromGeminiError } from './errors.js';
import { fromGeminiUsage, mapGeminiFinishReason, toolCallFromGemini } from './response.js';
import { generateContentResponseSchema, type GeminiPart, type GeminiPartialArg, type GeminiResponse, type GeminiUsageMetadata } from './wire.js';

/**
 * A whole upstream SSE body → OpenAI chunks. Throws GatewayError for an error event after the 200, for events
 * that are not Gemini JSON, and when the body ends without any finishReason (a cut connection: Gemini has no
 * [DONE], so a clean-looking close is the only end marker).
 */
export async function* translateGeminiStream(
  body: AsyncIterable<Uint8Array | string>,
  chunks: ChunkFactory,
  provider: string,
  codec: ThoughtSignatureCodec = defaultSignatureCodec,
): AsyncGenerator<ChatStreamEvent> {
  const translator = new GeminiStreamTranslator(chunks, codec);
  const bad = (what: string) => badUpstreamResponse(provider, what);
  for await (const event of decodeSse(body)) {
    const json = safeJsonParse(event.data);
    if (json === undefined) throw bad('stream event is not JSON');
    // An error after the 200 (overload, quota) arrives as a data event of its own.
    if (typeof json === 'object' && json !== null && 'error' in json) throw fromGeminiError(provider, 200, json);
    const parsed = generateContentResponseSchema.safeParse(json);
    if (!parsed.success) throw bad('stream event is not a GenerateContentResponse');
    yield* translator.push(parsed.data);
  }
  if (!translator.finished) {
    throw new GatewayError({
      status: 502,
      message: `${provider}: the stream ended without a finishReason (truncated upstream response)`,
      code: 'upstream_truncated',
      provider,
      retrySameTarget: true,
    });
  }
  yield* translator.end();
}

/** A call whose arguments Vertex streams as `partialArgs` (only with streamFunctionCallArguments). */
interface PendingCall {
  name: string;
  args: Record<string, unknown>;
  signature: string | undefined;
  /** jsonPath → the last fragment said willContinue, so the next stringValue appends. */
  continuing: Set<string>;
}

export class GeminiStreamTranslator {
  private started = false;
  private toolCalls = 0;
  private finishReason: string | undefined;
  private blocked = false;
  private usage: GeminiUsageMetadata | undefined;
  private pending: PendingCall | undefined;

  constructor(
    private readonly chunks: ChunkFactory,
    private readonly codec: ThoughtSignatureCodec = defaultSignatureCodec,
  ) {}

  /** The upstream said how the answer ended; without that a closed stream was cut short. */
  get finished(): boolean {
    return this.finishReason !== undefined || this.blocked;
  }

  push(response: GeminiResponse): ChatStreamEvent[] {
    const out: ChatStreamEvent[] = [];
    if (!this.started) {
      this.started = true;
      out.push(this.chunks.delta({ role: 'assistant', content: '' }));
    }
    if (response.usageMetadata) this.usage = response.usageMetadata;
    if (response.promptFeedback?.blockReason) this.blocked = true;
    // Streaming serves one choice; extra candidates (candidateCount > 1) are not interleaved into it.
    const candidate = response.candidates?.find((c) => (c.index ?? 0) === 0);
    for (const part of candidate?.content?.parts ?? []) this.part(part, out);
    if (candidate?.finishReason) this.finishReason = candidate.finishReason;
    return out;
  }

  /** After the upstream closed: any unterminated call, the finish chunk, then one usage chunk. */
  end(): ChatStreamEvent[] {
    const out: ChatStreamEvent[] = [];
    this.flushPending(out);
    const reason = this.blocked && !this.finishReason ? 'content_filter' : mapGeminiFinishReason(this.finishReason, this.toolCalls > 0);
    out.push(this.chunks.finish(reason));
    if (this.usage) out.push(this.chunks.usage(fromGeminiUsage(this.usage)));
    return out;
  }

  private part(part: GeminiPart, out: ChatStreamEvent[]): void {
    const call = part.functionCall;
    if (call) {
      this.functionCall(call, part.thoughtSignature ?? undefined, out);
      return;
    }
    if (!part.text) return; // the final event often carries an empty text part
    out.push(this.chunks.delta(part.thought ? { reasoning_content: part.text } : { content: part.text }));
  }

  private functionCall(call: NonNullable<GeminiPart['functionCall']>, signature: string | undefined, out: ChatStreamEvent[]): void {
    if (call.name && !call.willContinue) {
      // The normal case: the whole call in one part.
      this.flushPending(out);
      this.emitCall(call.name, call.args ?? {}, signature, out);
      return;
    }
    if (call.name) {
      this.flushPending(out);
      this.pending = { name: call.name, args: {}, signature, continuing: new Set() };
    }
    const pending = this.pending;
    if (!pending) return;
    for (const arg of call.partialArgs ?? []) applyPartialArg(pending, arg);
    // An empty `functionCall: {}` (or a fragment that does not continue) closes the call.
    if (!call.name && !call.willContinue) this.flushPending(out);
  }

  private flushPending(out: ChatStreamEvent[]): void {
    if (!this.pending) return;
    const { name, args, signature } = this.pending;
    this.pending = undefined;
    this.emitCall(name, args, signature, out);
  }

  private emitCall(name: string, args: unknown, signature: string | undefined, out: ChatStreamEvent[]): void {
    const call = toolCallFromGemini({ name, args }, this.codec.newId(signature));
    out.push(this.chunks.delta({ tool_calls: [{ index: this.toolCalls++, ...call }] }));
  }
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function applyPartialArg(pending: PendingCall, arg: GeminiPartialArg): void {
  const path = arg.jsonPath ?? '';
  const tokens = parseJsonPath(path);
  if (!tokens || tokens.length === 0) return;
  let value: unknown;
  if (arg.stringValue != null) value = arg.stringValue;
  else if (arg.numberValue != null) value = arg.numberValue;
  else if (arg.boolValue != null) value = arg.boolValue;
  else if (arg.nullValue != null) value = null;
  else return;
  setAtPath(pending.args, tokens, value, pending.continuing.has(path));
  if (arg.willContinue) pending.continuing.add(path);
  else pending.continuing.delete(path);
}

/** RFC 9535 paths as Vertex emits them: `$.a.b[0]`, `$['key']`. */
export function parseJsonPath(path: string): Array<string | number> | undefined {
  if (!path.startsWith('$')) return undefined;
  const tokens: Array<string | number> = [];
  let rest = path.slice(1);
  while (rest.length > 0) {
    const dot = /^\.([^.[\]]+)/.exec(rest);
    const bracket = dot ? null : /^\[(?:(\d+)|'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\]/.exec(rest);
    const match = dot ?? bracket;
    if (!match) return undefined;
    if (dot) tokens.push(dot[1]!);
    else if (bracket?.[1] !== undefined) tokens.push(Number(bracket[1]));
    else tokens.push((bracket?.[2] ?? bracket?.[3] ?? '').replace(/\\(.)/g, '$1'));
    rest = rest.slice(match[0].length);
  }
  return tokens.some((t) => typeof t === 'string' && FORBIDDEN_KEYS.has(t)) ? undefined : tokens;
}

function setAtPath(root: Record<string, unknown>, tokens: Array<string | number>, value: unknown, append: boolean): void {
  let container: Record<string | number, unknown> = root;
  for (let i = 0; i < tokens.length - 1; i++) {
    const key = tokens[i]!;
    let next = container[key];
    if (typeof next !== 'object' || next === null) {
      next = typeof tokens[i + 1] === 'number' ? [] : {};
      container[key] = next;
    }
    container = next as Record<string | number, unknown>;
  }
  const last = tokens[tokens.length - 1]!;
  const existing = container[last];
  container[last] = append && typeof existing === 'string' && typeof value === 'string' ? existing + value : value;
}
