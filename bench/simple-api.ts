// The simple API as the benchmark speaks it: a question to /api/ask (JSON) or /api/streaming (SSE: the route, then
// {"content"} events, then [DONE]), optionally in one session, so each request also reads the session's earlier turns.
import { type Dialect, EXPECTED_TEXT, sseEvents } from './checks.js';

const QUESTION = 'Say hello in a few words.';
/** Every request of the session case joins this one session (its memory is capped by SESSION_CONTEXT_TOKENS). */
export const BENCH_SESSION = 'bench-session';

type Json = Record<string, unknown>;

const parsed = (text: string): Json | undefined => {
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'object' && v !== null ? (v as Json) : undefined;
  } catch {
    return undefined;
  }
};

export function checkAskJson(text: string): string | null {
  const body = parsed(text);
  if (!body) return `not a JSON object: ${text.slice(0, 120)}`;
  if (body.answer !== EXPECTED_TEXT) return "answer differs from the upstream's text";
  if (typeof body.request_id !== 'string' || typeof body.provider !== 'string') return 'no request_id or provider';
  return null;
}

export function checkAskStream(text: string): string | null {
  const events = sseEvents(text);
  if (events.at(-1)?.data !== '[DONE]') return 'no [DONE] at the end';
  const route = parsed(events[0]?.data ?? '');
  if (typeof route?.request_id !== 'string') return 'the first event does not announce the route';
  let content = '';
  for (const e of events.slice(1, -1)) {
    const v = parsed(e.data);
    if (!v || typeof v.content !== 'string') return `event is not {"content"}: ${e.data.slice(0, 120)}`;
    content += v.content;
  }
  return content === EXPECTED_TEXT ? null : `content ${JSON.stringify(content.slice(0, 60))} differs from the upstream's`;
}

function simpleDialect(session: string | undefined): Dialect {
  return {
    name: 'simple',
    path: '/api/ask',
    streamPath: '/api/streaming',
    body: (model) => JSON.stringify({ question: QUESTION, model, ...(session ? { session_id: session } : {}) }),
    checkJson: checkAskJson,
    checkStream: checkAskStream,
    streamComplete: (text) => text.endsWith('data: [DONE]\n\n'),
  };
}

export const SIMPLE = simpleDialect(undefined);
export const SIMPLE_SESSION = simpleDialect(BENCH_SESSION);
