import { defineConfig } from 'vitest/config';

// Unit files never start a gateway or a log store: they run without the PGlite template the global setup builds,
// so `npm run test:unit` answers in seconds. Everything else is the integration project.
const UNIT = [
  'test/providers/**/*.test.ts',
  'test/state/**/*.test.ts',
  'test/usage/cost.test.ts',
  'test/usage/bill.test.ts',
  'test/bench/**/*.test.ts',
  'test/fakes/**/*.test.ts',
  'test/ship/**/*.test.ts',
  'test/schemas*.test.ts',
  'test/redact.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // PGlite instances are large (WASM heaps); two workers match the machine's two cores.
    pool: 'forks',
    maxWorkers: 2,
    // One worker process runs many files: the gateway, fastify and the vendor SDKs are imported once per worker, not
    // once per file (that import was 40 % of the suite's time). Files restore what they change in process-wide state
    // (env, fake timers) in their own hooks; the module-level caches of src/ hold nothing a test depends on.
    isolate: false,
    projects: [
      { extends: true, test: { name: 'unit', include: UNIT } },
      { extends: true, test: { name: 'integration', include: ['test/**/*.test.ts'], exclude: UNIT, globalSetup: ['test/global-setup.ts'] } },
    ],
  },
});
