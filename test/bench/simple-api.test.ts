// The benchmark's simple-API checks: what a correct /api/ask answer and /api/streaming stream look like, and that
// streams are posted to their own path.
import { describe, expect, it } from 'vitest';
import { EXPECTED_TEXT, forMode } from '../../bench/checks.js';
import { BENCH_SESSION, checkAskJson, checkAskStream, SIMPLE, SIMPLE_SESSION } from '../../bench/simple-api.js';

const route = `data: ${JSON.stringify({ request_id: 'r1', model: 'm', provider: 'p' })}\n\n`;
const content = (parts: string[]) => parts.map((c) => `data: ${JSON.stringify({ content: c })}\n\n`).join('');
const words = EXPECTED_TEXT.split(/(?<= )/);

describe('simple API checks', () => {
  it('accepts the upstream text as the answer, and refuses another', () => {
    expect(checkAskJson(JSON.stringify({ answer: EXPECTED_TEXT, request_id: 'r1', provider: 'p', model: 'm', session_id: null }))).toBeNull();
    expect(checkAskJson(JSON.stringify({ answer: 'other', request_id: 'r1', provider: 'p' }))).toMatch(/differs/);
    expect(checkAskJson('oops')).toMatch(/not a JSON object/);
  });

  it('accepts a whole stream, and refuses one without [DONE], without the route, or with other text', () => {
    const whole = `${route}${content(words)}data: [DONE]\n\n`;
    expect(checkAskStream(whole)).toBeNull();
    expect(SIMPLE.streamComplete(whole)).toBe(true);
    expect(checkAskStream(`${route}${content(words)}`)).toMatch(/\[DONE\]/);
    expect(checkAskStream(`${content(words)}data: [DONE]\n\n`)).toMatch(/route/);
    expect(checkAskStream(`${route}${content(words.slice(1))}data: [DONE]\n\n`)).toMatch(/differs/);
  });

  it('the session case names one session; streams go to /api/streaming, JSON to /api/ask', () => {
    expect(JSON.parse(SIMPLE_SESSION.body('m', false))).toMatchObject({ session_id: BENCH_SESSION, model: 'm' });
    expect(JSON.parse(SIMPLE.body('m', true))).not.toHaveProperty('session_id');
    const ep = { url: 'http://gw:1/api/ask', headers: {}, model: 'm', dialect: SIMPLE };
    expect(forMode(ep, false).url).toBe('http://gw:1/api/ask');
    expect(forMode(ep, true).url).toBe('http://gw:1/api/streaming');
  });
});
