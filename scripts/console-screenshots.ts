// npm run docs:screenshots: runs the console's browser test (seeded gateway, real Chromium), which photographs every
// page at 1280 and 390 px, and copies the README's pictures into docs/console-*.png.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const shots = mkdtempSync(join(tmpdir(), 'gw-console-shots-'));
const README_SHOTS = ['overview-1280', 'requests-1280', 'request-detail-1280', 'providers-1280', 'spend-1280', 'keys-1280', 'overview-390'];

const run = spawnSync('npx', ['vitest', 'run', 'test/console/browser.test.ts'], { cwd: root, stdio: 'inherit', env: { ...process.env, CONSOLE_SCREENSHOT_DIR: shots } });
if (run.status !== 0) {
  process.stderr.write(`the browser test failed (exit ${run.status ?? 'signal'}): docs/ left as it was\n`);
  process.exit(1);
}
for (const name of README_SHOTS) {
  const from = join(shots, `console-${name}.png`);
  if (!existsSync(from)) throw new Error(`the browser test wrote no ${from}`);
  copyFileSync(from, join(root, 'docs', `console-${name.replace(/-1280$/, '')}.png`));
}
process.stdout.write(`docs/console-*.png refreshed (${README_SHOTS.length} pictures; all of them in ${shots})\n`);
