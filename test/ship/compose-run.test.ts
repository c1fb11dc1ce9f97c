// The compose file run, as far as this machine can: llamacpp-download's shell against a stub curl, and
// `docker compose config` for every profile when the Docker client has the compose plugin (no engine needed).
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { services } from './compose-file.js';
import { interpolate, repoRoot } from './ship-helpers.js';

const MODEL_URL = 'https://models.example/org/tiny-q4_k_m.gguf?download=true';

describe('llamacpp-download', () => {
  let dir: string;
  let models: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'llamacpp-download-'));
    models = join(dir, 'models');
    mkdirSync(models);
    // curl stand-in: logs its arguments, writes a body to -o unless told to fail
    writeFileSync(
      join(dir, 'curl'),
      '#!/bin/sh\necho "$*" >>"$STUB_LOG"\n[ -n "${STUB_CURL_FAIL:-}" ] && exit 22\nwhile [ $# -gt 0 ]; do [ "$1" = -o ] && printf GGUF >"$2"; shift; done\n',
    );
    chmodSync(join(dir, 'curl'), 0o755);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function run(stub: Record<string, string> = {}) {
    const script = interpolate(services['llamacpp-download']?.command?.[0] ?? '').replaceAll('/models', models);
    const log = join(dir, 'curl.log');
    const result = spawnSync('sh', ['-c', script], {
      encoding: 'utf8',
      timeout: 10_000,
      env: { PATH: `${dir}:${process.env.PATH ?? ''}`, LLAMACPP_MODEL_URL: MODEL_URL, STUB_LOG: log, ...stub },
    });
    const calls = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
    return { status: result.status, stdout: result.stdout, calls };
  }

  it('downloads the URL into the volume under its file name and links current.gguf to it', () => {
    const res = run();
    expect(res.status).toBe(0);
    expect(res.calls).toHaveLength(1);
    expect(res.calls[0]).toContain(MODEL_URL);
    expect(readFileSync(join(models, 'tiny-q4_k_m.gguf'), 'utf8')).toBe('GGUF');
    expect(readlinkSync(join(models, 'current.gguf'))).toBe('tiny-q4_k_m.gguf');
    expect(existsSync(join(models, 'tiny-q4_k_m.gguf.part'))).toBe(false);
  });

  it('skips the download when the file is present, and still links it', () => {
    writeFileSync(join(models, 'tiny-q4_k_m.gguf'), 'already here');
    const res = run();
    expect(res.status).toBe(0);
    expect(res.calls).toEqual([]);
    expect(res.stdout).toContain('is present, not downloading');
    expect(readlinkSync(join(models, 'current.gguf'))).toBe('tiny-q4_k_m.gguf');
  });

  it('fails without leaving a partial file or a link when the download fails', () => {
    const res = run({ STUB_CURL_FAIL: '1' });
    expect(res.status).not.toBe(0);
    expect(existsSync(join(models, 'tiny-q4_k_m.gguf.part'))).toBe(false);
    expect(existsSync(join(models, 'tiny-q4_k_m.gguf'))).toBe(false);
    expect(existsSync(join(models, 'current.gguf'))).toBe(false);
  });
});

const composeAvailable = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' });
const skipReason =
  composeAvailable.error !== undefined
    ? 'the docker client is not on PATH'
    : composeAvailable.status !== 0
      ? `\`docker compose\` is unavailable (${(composeAvailable.stderr || composeAvailable.stdout).trim().split('\n')[0]})`
      : undefined;
// Said out loud, never a silent skip: the static checks above still ran.
if (skipReason) process.stderr.write(`compose-run.test.ts: skipping \`docker compose config\`: ${skipReason}\n`);

describe.skipIf(skipReason !== undefined)('docker compose config', () => {
  it.each([[], ['local-llm'], ['local-llm-cpu'], ['local-llm-llamacpp']])('accepts the file with profiles [%s]', (...profiles: string[]) => {
    const args = ['compose', ...profiles.flatMap((p) => ['--profile', p]), 'config', '--format', 'json'];
    const res = spawnSync('docker', args, { cwd: repoRoot, encoding: 'utf8', timeout: 30_000, env: { ...process.env, COMPOSE_PROFILES: '' } });
    expect(res.status, res.stderr).toBe(0);
    const config = JSON.parse(res.stdout) as { services: Record<string, unknown> };
    expect(Object.keys(config.services)).toContain('gateway');
    for (const profile of profiles) {
      const gated = Object.entries(services).filter(([, s]) => s.profiles?.includes(profile)).map(([name]) => name);
      expect(Object.keys(config.services)).toEqual(expect.arrayContaining(gated));
    }
  });
});
