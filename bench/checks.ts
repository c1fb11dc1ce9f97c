// What a correct benchmark answer looks like: the request bodies sent and the checks of every response body.
import { STREAM_CONTENT_CHUNKS } from './fake-upstream.js';

export interface Endpoint {
  url: string;
  headers: Record<string, string>;
  model: string;
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

/** One request, fully checked; throws with the reason when the target does not answer correctly. */
export async function verify(ep: Endpoint, stream: boolean): Promise<void> {
  const res = await fetch(ep.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...ep.headers },
    body: requestBody(ep.model, stream),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${text.slice(0, 300)}`);
  const type = res.headers.get('content-type') ?? '';
  if (stream && !type.includes('text/event-stream')) throw new Error(`stream answered with content-type ${type}`);
  const problem = stream ? checkStreamBody(text) : checkJsonBody(text);
  if (problem) throw new Error(`${stream ? 'stream' : 'JSON'} response: ${problem}`);
}
