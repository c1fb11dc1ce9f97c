// Project rules tsc cannot check: no console.* in src/ or the console's ui/src/, every source file opens with a
// line on what it owns, no `any`, and files stay small enough to read.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const MAX_LINES = 300;

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* walk(path);
    else if (/\.tsx?$/.test(path)) yield path;
  }
}

const problems = [];
for (const file of [...walk(join(root, 'src')), ...walk(join(root, 'ui', 'src'))]) {
  const rel = relative(root, file);
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  if (!lines[0]?.startsWith('//')) problems.push(`${rel}:1 should open with a comment saying what the file owns`);
  if (lines.length > MAX_LINES) problems.push(`${rel} has ${lines.length} lines (max ${MAX_LINES}): split it`);
  lines.forEach((line, i) => {
    if (/^\s*(\/\/|\*|\/\*)/.test(line)) return;
    if (/\bconsole\.(log|error|warn|info|debug)\(/.test(line)) problems.push(`${rel}:${i + 1} uses console.*; log through pino (or show it in the page)`);
    if (/:\s*any\b|<any>|as any\b/.test(line)) problems.push(`${rel}:${i + 1} uses any`);
  });
}

if (problems.length > 0) {
  process.stderr.write(problems.join('\n') + '\n');
  process.exit(1);
}
process.stdout.write('lint: ok\n');
