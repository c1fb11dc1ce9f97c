// What a correct benchmark answer looks like: the request bodies sent and the checks of every response body, per
// dialect (OpenAI Chat here; OpenAI Responses and Anthropic Messages in dialects.ts).
import { STREAM_CONTENT_CHUNKS } from './fake-wire.js';

/** One inbound dialect as the benchmark speaks it: where to post, what, and how to tell a correct answer. */
export interface Dialect {
  name: 'chat' | 'responses' | 'messages' | 'simple';
  path: string;
  /** Where streams are posted, when not to `path` (the simple API's /api/streaming). */
  streamPath?: string;
  body: (model: string, stream: boolean) => string;
  checkJson: (text: string) => string | null;
  checkStream: (text: string) => string | null;
  /** A cheap test of a streamed body for the TTFT loop: did it reach its dialect's end (usage included)? */
  streamComplete: (text: string) => boolean;
}

export interface Endpoint {
  url: string;
  headers: Record<string, string>;
  model: string;
  dialect: Dialect;
}

/** The endpoint a request of this mode is posted to. */
export function forMode(ep: Endpoint, stream: boolean): Endpoint {
  const streamPath = ep.dialect.streamPath;
  if (!stream || !streamPath) return ep;
  const url = new URL(ep.url);
  url.pathname = streamPath;
  return { ...ep, url: url.toString() };
}

export const EXPECTED_TEXT = Array.from({ length: STREAM_CONTENT_CHUNKS }, (_, i) => `tok${i} `).join('');

export function requestBody(model: string, stream: boolean): string {
  const messages = [{ role: 'user', content: 'Say hello in a few words.' }];
  return JSON.stringify(stream ? { model, messages, stream: true, stream_options: { include_usage: true } } : { model, messages });
}

/** Describes what is wrong with a streamed chat completion body, or returns null when it is a complete, well-formed one. */
export function checkStreamBody(text: string): string | null {
  let content = '';
  let usage = false;
  let finish = false;
  let done = false;
  for (const event of text.split(/\r?\n\r?\n/)) {
    const data = event.split(/\r?\n/).filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n');
    if (!data) continue;
    if (done) return 'data after [DONE]';
    if (data === '[DONE]') {
      done = true;
      continue;
    }
    let chunk: { choices?: { delta?: { content?: string | null }; finish_reason?: string | null }[]; usage?: unknown; error?: unknown };
    try {
      chunk = JSON.parse(data) as typeof chunk;
    } catch {
      return `non-JSON event: ${data.slice(0, 80)}`;
    }
    if (chunk.error) return `error event: ${JSON.stringify(chunk.error).slice(0, 200)}`;
    for (const c of chunk.choices ?? []) {
      content += c.delta?.content ?? '';
      if (c.finish_reason) finish = true;
    }
    if (chunk.usage && chunk.choices?.length === 0) usage = true;
  }
  if (content !== EXPECTED_TEXT) return `content ${JSON.stringify(content.slice(0, 60))} differs from the upstream's`;
  if (!finish) return 'no finish_reason';
  if (!usage) return 'no usage chunk (choices: []) despite stream_options.include_usage';
  if (!done) return 'no data: [DONE]';
  return null;
}

/** Describes what is wrong with a chat.completion JSON body, or null. */
export function checkJsonBody(text: string): string | null {
  try {
    const body = JSON.parse(text) as { object?: string; choices?: { message?: { content?: string } }[] };
    if (body.object !== 'chat.completion') return `object is ${String(body.object)}`;
    if (body.choices?.[0]?.message?.content !== EXPECTED_TEXT) return 'content differs from the upstream\'s';
    return null;
  } catch {
    return `not JSON: ${text.slice(0, 120)}`;
  }
}

export const CHAT: Dialect = {
  name: 'chat',
  path: '/v1/chat/completions',
  body: requestBody,
  checkJson: checkJsonBody,
  checkStream: checkStreamBody,
  streamComplete: (text) => text.endsWith('data: [DONE]\n\n') && text.includes('"usage"'),
};

/** The events of an SSE body: each one's `event:` name (if any) and its joined `data:` lines. */
export function sseEvents(text: string): { event?: string; data: string }[] {
  const out: { event?: string; data: string }[] = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    const lines = block.split(/\r?\n/);
    const data = lines.filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n');
    if (!data) continue;
    const name = lines.find((l) => l.startsWith('event:'))?.slice(6).trim();
    out.push(name === undefined ? { data } : { event: name, data });
  }
  return out;
}

/** One request, fully checked; throws with the reason when the target does not answer correctly. */
export async function verify(endpoint: Endpoint, stream: boolean): Promise<void> {
  const ep = forMode(endpoint, stream);
  const res = await fetch(ep.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...ep.headers },
    body: ep.dialect.body(ep.model, stream),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${text.slice(0, 300)}`);
  const type = res.headers.get('content-type') ?? '';
  if (stream && !type.includes('text/event-stream')) throw new Error(`stream answered with content-type ${type}`);
  const problem = stream ? ep.dialect.checkStream(text) : ep.dialect.checkJson(text);
  if (!problem && stream && !ep.dialect.streamComplete(text)) throw new Error('stream response: the TTFT loop\'s end-of-stream test does not recognise it');
  if (problem) throw new Error(`${stream ? 'stream' : 'JSON'} response: ${problem}`);
}
