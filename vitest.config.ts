import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // PGlite instances are large (WASM heaps); two workers match the machine's two cores.
    pool: 'forks',
    maxWorkers: 2,
  },
});
