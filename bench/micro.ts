// `node --import tsx bench/micro.ts` (after `npm run build`): microseconds per request of the per-request work
// suspected of the 1-connection slowdown (issue 10): the JSON-depth scan, JSON.parse, the chat request schema, the
// pipeline's promise turns, the cost and the stream assembler, each timed alone over many calls of the built code.
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { requestBody } from './checks.js';
import { prepareChat } from './fake-wire.js';

const DIST = join(dirname(dirname(fileURLToPath(import.meta.url))), 'dist');
const load = async <T>(path: string): Promise<T> => (await import(pathToFileURL(join(DIST, path)).href)) as T;

/** Median over 7 rounds of the time per call, in µs; each round runs for ~150 ms after a warm-up round. */
async function time(fn: () => unknown | Promise<unknown>): Promise<number> {
  let n = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await fn();
    if (performance.now() - t0 > 20) break;
    n *= 4;
  }
  n = Math.ceil(n * 7.5);
  const rounds: number[] = [];
  for (let r = 0; r < 8; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await fn();
    if (r > 0) rounds.push(((performance.now() - t0) * 1000) / n);
  }
  rounds.sort((a, b) => a - b);
  return rounds[3]!;
}

interface Stage {
  enter?: (x: object) => void | Promise<void>;
}

async function main(): Promise<void> {
  const { exceedsJsonDepth } = await load<{ exceedsJsonDepth: (t: string, d: number) => boolean }>('http/json-depth.js');
  const { chatRequestSchema } = await load<{ chatRequestSchema: { parse: (v: unknown) => unknown } }>('schemas/chat-request.js');
  const { createPriceBook, costOf } = await load<{
    createPriceBook: (o: object) => { priceFor: (p: { id: string; type: string }, m: string) => object | undefined };
    costOf: (u: object, p: object) => number;
  }>('usage/cost.js');
  const { StreamAssembler } = await load<{ StreamAssembler: new () => { add: (c: unknown) => void; tools: () => unknown } }>('pipeline/stream-assembler.js');

  const small = requestBody('openai/bench-model', false);
  // A 30-turn conversation (~20 KB): what an agent sends by its tenth tool round.
  const turns = Array.from({ length: 30 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `turn ${i} `.repeat(80) }));
  const large = JSON.stringify({ model: 'openai/bench-model', messages: turns, temperature: 0.2 });
  const prices = createPriceBook({ 'openai/bench-model': { input: 2.5, output: 10 } });
  const usage = { prompt_tokens: 12, completion_tokens: 20, total_tokens: 32 };
  const chunks = prepareChat('bench-model').stream.map((b) => JSON.parse(b.toString().slice(6)) as unknown);
  const sync: Stage = { enter: () => undefined };
  const asyncStage: Stage = { enter: async () => undefined };
  // The pipeline's enter loop, as src/pipeline/pipeline.ts runs it: a promise awaited only when a stage returns one.
  const enter = async (stages: Stage[]) => {
    for (const s of stages) {
      const pending = s.enter?.({});
      if (pending) await pending;
    }
  };

  const rows: [string, () => unknown][] = [
    [`exceedsJsonDepth, bench body (${small.length} B)`, () => exceedsJsonDepth(small, 100)],
    [`JSON.parse, bench body`, () => JSON.parse(small)],
    [`exceedsJsonDepth, 30-turn body (${(large.length / 1024).toFixed(0)} KB)`, () => exceedsJsonDepth(large, 100)],
    [`JSON.parse, 30-turn body`, () => JSON.parse(large)],
    ['chat request schema (zod), bench body', () => chatRequestSchema.parse(JSON.parse(small))],
    ['price lookup + costOf', () => costOf(usage, prices.priceFor({ id: 'openai', type: 'openai' }, 'bench-model')!)],
    ['stream assembler, 21 chunks', () => {
      const a = new StreamAssembler();
      for (const c of chunks) a.add(c);
      return a.tools();
    }],
    ['pipeline enter, 5 sync stages', () => enter([sync, sync, sync, sync, sync])],
    ['pipeline enter, 5 async stages', () => enter([asyncStage, asyncStage, asyncStage, asyncStage, asyncStage])],
  ];
  console.log('| per-request work (built code, this machine) | µs per call |\n|---|--:|');
  for (const [name, fn] of rows) console.log(`| ${name} | ${(await time(fn)).toFixed(2)} |`);
}

main().catch((err: Error) => {
  console.error(`bench/micro: ${err.stack ?? err.message}`);
  process.exitCode = 1;
});
