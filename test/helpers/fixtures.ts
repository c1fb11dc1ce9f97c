// Where test fixtures live: the repo's own (test/fixtures/) and the shared reference folder beside the repo
// (../shared, read in place, never copied). Tests that replay ../shared say how many were skipped when it is
// missing, and fail instead under CI=true, so a CI run can never pass by skipping them.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it, TestRunner } from 'vitest';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SHARED_DIR = resolve(REPO_ROOT, '..', 'shared');
export const SHARED_FIXTURES = join(SHARED_DIR, 'reference', 'fixtures');
export const hasShared = existsSync(SHARED_FIXTURES);
const requireShared = process.env.CI === 'true';

/** test/fixtures/<vendor>/<name> as text. */
export const ownFixture = (vendor: string, name: string): string => readFileSync(join(REPO_ROOT, 'test', 'fixtures', vendor, name), 'utf8');
/** ../shared/reference/fixtures/<name> as text. */
export const sharedFixture = (name: string): string => readFileSync(join(SHARED_FIXTURES, name), 'utf8');

export const missingSharedMessage = `../shared (${SHARED_DIR}) is missing`;

/** Says, once per call site, what was skipped and why. */
export function reportSkipped(count: number, what: string): void {
  process.stderr.write(`[fixtures] ${missingSharedMessage}: skipped ${count} ${count === 1 ? 'test' : 'tests'} in '${what}'\n`);
}

function countTests(tasks: ReadonlyArray<{ type: string; tasks?: unknown }>): number {
  let n = 0;
  for (const task of tasks) n += task.type === 'test' ? 1 : countTests((task.tasks as typeof tasks | undefined) ?? []);
  return n;
}

/** A describe() whose tests replay ../shared: run when it exists, skipped with a count otherwise, failing under CI=true. */
export function describeShared(name: string, fn: () => void): void {
  if (hasShared) {
    describe(name, fn);
  } else if (requireShared) {
    describe(name, () => it(`needs ${missingSharedMessage.replace(' is missing', '')} (CI=true)`, () => {
      throw new Error(`${missingSharedMessage}; CI=true requires the shared reference fixtures`);
    }));
  } else {
    describe.skip(name, () => {
      fn();
      reportSkipped(countTests(TestRunner.getCurrentSuite().tasks), name);
    });
  }
}

/** One it() that replays ../shared, with the same rules as describeShared. */
export function itShared(name: string, fn: () => void | Promise<void>): void {
  if (hasShared) it(name, fn);
  else if (requireShared) it(name, () => {
    throw new Error(`${missingSharedMessage}; CI=true requires the shared reference fixtures`);
  });
  else {
    it.skip(name, fn);
    reportSkipped(1, name);
  }
}
