// Small parsers for the shipping tests: Dockerfile stages, shell commands, compose ${VAR} interpolation, env reads.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const readRepoFile = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

export interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  image: string;
  name: string | undefined;
  instructions: Instruction[];
}

/** Dockerfile → instructions (continuations joined, comments dropped), grouped by FROM into stages. */
export function parseDockerfile(text: string): Stage[] {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.startsWith('#')) continue; // comment lines inside a continuation are ignored by docker too
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    logical.push(pending + line);
    pending = '';
  }
  const stages: Stage[] = [];
  for (const line of logical) {
    const match = /^(\w+)\s+([\s\S]*)$/.exec(line);
    if (!match?.[1]) continue;
    const keyword = match[1].toUpperCase();
    const args = (match[2] ?? '').trim();
    if (keyword === 'FROM') {
      const from = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      stages.push({ image: from?.[1] ?? args, name: from?.[2], instructions: [] });
    } else {
      stages.at(-1)?.instructions.push({ keyword, args });
    }
  }
  return stages;
}

/** The RUN lines of a stage as shell text, without BuildKit flags such as --mount=…. */
export function runCommands(stage: Stage): string[] {
  return stage.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args.replace(/^(--\w+=\S+\s+)+/, ''));
}

/** Simple commands out of shell text: split on newlines, ;, && and ||; comments and VAR=x / env -u X prefixes removed. */
export function simpleCommands(shell: string): string[] {
  return shell
    .split('\n')
    .map((line) => line.replace(/(^|\s)#.*$/, ''))
    .flatMap((line) => line.split(/&&|\|\||;/))
    .map((cmd) =>
      cmd
        .trim()
        .replace(/^(?:env(?:\s+-u\s+\S+)*\s+)?(?:\w+=\S*\s+)*/, '')
        .replace(/\s+/g, ' '),
    )
    .filter(Boolean);
}

/** The install and build steps: `npm ci …` and `npm run build …`, in order. */
export const installAndBuild = (commands: string[]): string[] => commands.filter((c) => /^npm (ci|run build)(\s|$)/.test(c));

/**
 * Compose's interpolation for the forms we use: ${VAR}, ${VAR:-default}, ${VAR-default}, $$ → $.
 * `env` plays the role of the shell environment and the project's .env file.
 */
export function interpolate(value: string, env: Record<string, string | undefined> = {}): string {
  return value.replace(/\$\$|\$\{(\w+)(?:(:?)-([^}]*))?\}/g, (whole, name: string | undefined, colon: string, fallback: string | undefined) => {
    if (whole === '$$') return '$';
    const current = env[name ?? ''];
    if (fallback === undefined) return current ?? '';
    if (colon) return current ? current : fallback;
    return current ?? fallback;
  });
}

/** A compose `environment` (map or KEY=VALUE list) → a map, interpolated. */
export function composeEnvironment(environment: unknown, env: Record<string, string | undefined> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(environment)) {
    for (const item of environment) {
      const [name, ...rest] = String(item).split('=');
      if (name) out[name] = interpolate(rest.join('='), env);
    }
  } else if (environment && typeof environment === 'object') {
    for (const [name, value] of Object.entries(environment)) out[name] = interpolate(String(value ?? ''), env);
  }
  return out;
}

/** Compose durations ("30s", "1m30s", "500ms") → milliseconds. */
export function durationMs(value: string): number {
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001 };
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(ms|us|h|m|s)/g;
  let consumed = 0;
  for (let m = re.exec(value); m; m = re.exec(value)) {
    total += Number(m[1]) * (units[m[2] ?? ''] ?? Number.NaN);
    consumed += m[0].length;
  }
  return consumed === value.length && consumed > 0 ? total : Number.NaN;
}

const NAME = '[A-Za-z_][A-Za-z0-9_]*';
// `env` as a standalone identifier (a parameter or `const env = process.env`), not `foo.env` or `myenv`.
const ENV = '(?<![\\w.$])env';

/** Env variable names a TypeScript source reads, in every form src/ uses. */
export function envReadsIn(source: string, fileName = ''): Set<string> {
  const names = new Set<string>();
  const add = (re: RegExp) => {
    for (const m of source.matchAll(re)) if (m[1]) names.add(m[1]);
  };
  add(new RegExp(`process\\.env\\.(${NAME})`, 'g'));
  add(new RegExp(`process\\.env\\[\\s*['"\`](${NAME})['"\`]\\s*\\]`, 'g'));
  add(new RegExp(`${ENV}\\.(${NAME})`, 'g'));
  add(new RegExp(`${ENV}\\[\\s*['"\`](${NAME})['"\`]\\s*\\]`, 'g'));
  // const { A, B: b, C = 'x' } = process.env  /  = env
  for (const m of source.matchAll(new RegExp(`\\{([^{}]*)\\}\\s*=\\s*(?:process\\.env|${ENV})\\b`, 'g'))) {
    for (const part of (m[1] ?? '').split(',')) {
      const name = /^\s*(\w+)/.exec(part)?.[1];
      if (name) names.add(name);
    }
  }
  // env[`${prefix}_API_KEY`] with the prefixes listed as upper-case array items in the same file ([…, 'OPENAI'])
  const suffixes = [...source.matchAll(new RegExp(`${ENV}\\[\\s*\`\\$\\{[^}]+\\}(_[A-Z0-9_]+)\`\\s*\\]`, 'g'))].map((m) => m[1]);
  if (suffixes.length > 0) {
    const item = /(?<!env\s*\[\s*)(?<=[[,]\s*)['"]([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*)['"](?=\s*[\],])/g;
    const prefixes = [...source.matchAll(item)].map((m) => m[1]);
    for (const prefix of prefixes) for (const suffix of suffixes) names.add(`${prefix}${suffix}`);
  }
  // Config modules name variables in string literals too (error messages, lists of names, helper calls).
  if (/(^|\/)config[^/]*\.ts$/.test(fileName)) {
    for (const m of source.matchAll(/['"`]([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)['"`]/g)) if (m[1]) names.add(m[1]);
  }
  return new Set(
    [...names]
      .map((n) => (/^(https?|no|all)_proxy$/.test(n) ? n.toUpperCase() : n))
      .filter((n) => /^[A-Z][A-Z0-9_]*$/.test(n) && !IGNORED.has(n)),
  );
}

// Set by the platform or the test runner, not by a user's .env.
const IGNORED = new Set(['NODE_ENV', 'CI', 'VITEST', 'HOME', 'PATH']);
