// Once per test run: migrate the real Postgres (when DATABASE_URL is set) so parallel files never race on
// migrations, and build one migrated PGlite template that every test gateway starts from in ~1 s.
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { openLogDatabase } from '../src/request-log/db.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplatePath: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (process.env.DATABASE_URL) {
    const db = await openLogDatabase({ databaseUrl: process.env.DATABASE_URL, pgliteDir: '' });
    await db.close();
  }
  const pglite = await openLogDatabase({ pgliteDir: 'memory://' });
  const dump = await pglite.dump!();
  const path = join(tmpdir(), `llm-gateway-pglite-template-${process.pid}.tar`);
  await writeFile(path, Buffer.from(await dump.arrayBuffer()));
  await pglite.close();
  project.provide('pgliteTemplatePath', path);
  return () => rm(path, { force: true });
}
