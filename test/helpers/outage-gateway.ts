// A gateway over a throwaway PostgreSQL cluster with a tiny writer queue, so a stopped server sends most rows to the
// spill file: the fixture of the log-store outage tests. Registers its own beforeAll/afterAll inside the caller's
// describe; read its fields in tests, not at collection time.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { startGateway, type TestGateway } from './gateway.js';
import { createPgCluster, type PgCluster } from './pg-cluster.js';

export interface OutageGateway {
  cluster: PgCluster;
  gateway: TestGateway;
  spillDir: string;
}

export function useOutageGateway(bin: string, spillPrefix: string): OutageGateway {
  const fixture = {} as OutageGateway;
  beforeAll(async () => {
    fixture.cluster = await createPgCluster(bin);
    await fixture.cluster.start();
    fixture.spillDir = mkdtempSync(join(tmpdir(), spillPrefix));
    fixture.gateway = await startGateway({
      env: { MOCK_MODE: 'true', MOCK_DELAY_MS: '1', DATABASE_URL: fixture.cluster.url },
      // A long spillAfterMs keeps the tests on the overflow path (queue full → spill), not the timed one.
      writer: { maxQueue: 3, batchSize: 2, spillDir: fixture.spillDir, flushIntervalMs: 20, maxBackoffMs: 100, spillAfterMs: 60_000, writeTimeoutMs: 3_000 },
    });
  }, 60_000);
  afterAll(async () => {
    await fixture.gateway?.close();
    await fixture.cluster?.destroy();
    if (fixture.spillDir) rmSync(fixture.spillDir, { recursive: true, force: true });
  });
  return fixture;
}

export async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}
