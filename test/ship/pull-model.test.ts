// scripts/pull-model.sh against a stub docker CLI: which compose commands it runs, in what order, and when it stops.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { repoRoot } from './ship-helpers.js';

const script = join(repoRoot, 'scripts/pull-model.sh');
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pull-model-'));
  copyFileSync(join(repoRoot, 'test/fakes/docker-stub.sh'), join(dir, 'docker'));
  chmodSync(join(dir, 'docker'), 0o755);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[], stub: Record<string, string> = {}) {
  const result = spawnSync('bash', [script, ...args], {
    encoding: 'utf8',
    timeout: 10_000,
    env: { PATH: `${dir}:${process.env.PATH ?? ''}`, STUB_STATE: dir, HOME: dir, ...stub },
  });
  const calls = existsSync(join(dir, 'calls')) ? readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n') : [];
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, calls };
}

const indexOf = (calls: string[], text: string) => calls.findIndex((c) => c === text);

describe('scripts/pull-model.sh', () => {
  it('prints usage and exits 2 without exactly one model, 0 for --help', () => {
    const none = run([]);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/^Usage: scripts\/pull-model\.sh MODEL/);
    expect(run(['a', 'b']).status).toBe(2);
    const help = run(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage:/);
    expect(help.calls).toEqual([]);
  });

  it('rejects something that is not a model name before touching docker', () => {
    const res = run(['--rm']);
    expect(res.status).toBe(2);
    expect(res.calls).toEqual([]);
  });

  it('starts ollama with the local-llm profile, waits for health, pulls, then lists', () => {
    const res = run(['llama3.2']);
    expect(res.status, res.stderr).toBe(0);
    const up = indexOf(res.calls, 'compose --profile local-llm up -d ollama');
    const inspect = res.calls.findIndex((c) => c.startsWith('inspect ') && c.endsWith(' cid-ollama'));
    const pull = indexOf(res.calls, 'compose --profile local-llm exec -T ollama ollama pull llama3.2');
    const list = indexOf(res.calls, 'compose --profile local-llm exec -T ollama ollama list');
    expect([up, inspect, pull, list].every((i) => i >= 0), res.calls.join('\n')).toBe(true);
    expect(up).toBeLessThan(inspect);
    expect(inspect).toBeLessThan(pull);
    expect(pull).toBeLessThan(list);
    expect(res.stdout).toContain('llama3.2:latest');
  });

  it('does not restart a running ollama', () => {
    const res = run(['qwen2.5:0.5b'], { STUB_RUNNING: 'ollama' });
    expect(res.status, res.stderr).toBe(0);
    expect(res.calls.some((c) => c.includes(' up '))).toBe(false);
    expect(res.calls).toContain('compose --profile local-llm exec -T ollama ollama pull qwen2.5:0.5b');
  });

  it('uses the CPU variant when that is the one running', () => {
    const res = run(['llama3.2'], { STUB_RUNNING: 'ollama-cpu' });
    expect(res.status, res.stderr).toBe(0);
    expect(res.calls).toContain('compose --profile local-llm-cpu exec -T ollama-cpu ollama pull llama3.2');
    expect(res.calls.some((c) => c.includes(' up '))).toBe(false);
  });

  it('points at the CPU variant when the GPU service cannot start', () => {
    const res = run(['llama3.2'], { STUB_UP_FAIL: '1' });
    expect(res.status).toBe(1);
    expect(res.stderr).toContain('OLLAMA_SERVICE=ollama-cpu');
    expect(res.calls.some((c) => c.includes('pull'))).toBe(false);
  });

  it('refuses an unknown OLLAMA_SERVICE', () => {
    const res = run(['llama3.2'], { OLLAMA_SERVICE: 'postgres' });
    expect(res.status).toBe(2);
    expect(res.calls.some((c) => c.includes('pull'))).toBe(false);
  });

  it('stops without pulling when the container is unhealthy', () => {
    const res = run(['llama3.2'], { STUB_HEALTH: 'unhealthy' });
    expect(res.status).toBe(1);
    expect(res.stderr).toContain('ollama is unhealthy');
    expect(res.calls.some((c) => c.includes('pull'))).toBe(false);
  });

  it('fails when the pull fails, without listing', () => {
    const res = run(['no-such-model'], { STUB_PULL_RC: '1' });
    expect(res.status).toBe(1);
    expect(res.calls.some((c) => c.endsWith('ollama list'))).toBe(false);
  });

  it("hints at OLLAMA_BASE_URL when the running gateway isn't wired to the container", () => {
    const unwired = run(['llama3.2'], { STUB_RUNNING: 'ollama gateway', STUB_GATEWAY_OLLAMA: '' });
    expect(unwired.status).toBe(0);
    expect(unwired.stdout).toContain('set OLLAMA_BASE_URL=http://ollama:11434 in .env');
    const wired = run(['llama3.2'], { STUB_RUNNING: 'ollama gateway', STUB_GATEWAY_OLLAMA: 'http://ollama:11434' });
    expect(wired.stdout).not.toContain('OLLAMA_BASE_URL');
  });
});
