// The attack corpus: bad bodies and auth path tricks, each a case the gateway must refuse cleanly (SSRF forms: ssrf.ts).
export interface BadInput {
  name: string;
  url: string;
  body: string;
}

const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
const chat = (extra: string) => `{"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"hi"}]${extra}}`;

export const BAD_INPUTS: BadInput[] = [
  { name: 'empty body', url: '/v1/chat/completions', body: '' },
  { name: 'not JSON', url: '/v1/chat/completions', body: '{not json' },
  { name: 'array body', url: '/v1/chat/completions', body: '[]' },
  { name: 'null body', url: '/v1/chat/completions', body: 'null' },
  { name: 'deep array 5000', url: '/v1/chat/completions', body: chat(`,"metadata":{"x":${deep(5_000)}}`) },
  { name: 'deep embeddings input', url: '/v1/embeddings', body: `{"model":"openai/gpt-4o-mini","input":${deep(5_000)}}` },
  { name: 'deep simple question', url: '/api/ask', body: `{"question":${deep(5_000)}}` },
  { name: 'deep streaming question', url: '/api/streaming', body: `{"question":${deep(5_000)}}` },
  { name: 'model number', url: '/v1/chat/completions', body: '{"model":1,"messages":[]}' },
  { name: 'model 1 MB', url: '/v1/chat/completions', body: chat('').replace('openai/gpt-4o-mini', 'm'.repeat(1 << 20)) },
  { name: 'messages string', url: '/v1/chat/completions', body: '{"model":"openai/gpt-4o-mini","messages":"hi"}' },
  { name: 'role unknown', url: '/v1/chat/completions', body: '{"model":"openai/gpt-4o-mini","messages":[{"role":"root","content":"x"}]}' },
  { name: 'temperature string', url: '/v1/chat/completions', body: chat(',"temperature":"hot"') },
  { name: 'n negative', url: '/v1/chat/completions', body: chat(',"max_tokens":-5') },
  { name: 'lone surrogate', url: '/v1/chat/completions', body: '{"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"\\ud800"}]}' },
  { name: 'proto pollution', url: '/v1/chat/completions', body: chat(',"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}') },
  { name: 'embeddings no input', url: '/v1/embeddings', body: '{"model":"openai/gpt-4o-mini"}' },
  { name: 'ask empty question', url: '/api/ask', body: '{"question":""}' },
  { name: 'ask question object', url: '/api/ask', body: '{"question":{"a":1}}' },
  { name: 'bad image url', url: '/v1/chat/completions', body: '{"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"file:///etc/passwd"}}]}]}' },
];

/** Paths that must not reach a keyed route without a key. */
export const AUTH_TRICKS = [
  '/api/history',
  '//api/history',
  '/api//history',
  '/API/history',
  '/api/history/',
  '/api/./history',
  '/health/../api/history',
  '/api/%68istory',
  '/api/history;x',
  '/api/history?limit=1',
  '/v1/models',
  '/v1//models',
  '/V1/models',
  '/v1/models/',
  '/v1/models%2f',
  '/v1/llm/models',
];
