// Child processes of the benchmark: spawn with an explicit env, wait for readiness, sample RSS/CPU from /proc, kill on exit.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { dirname, join } from 'node:path';

export interface Managed {
  name: string;
  pid: number;
  child: ChildProcess;
  logFile: string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>;
  hasExited: () => boolean;
}

const running = new Set<Managed>();

/** Clock ticks per second for /proc/<pid>/stat times (100 on every Linux we run on; asked once to be sure). */
const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

export function startProcess(opts: { name: string; cmd: string; args: string[]; env: NodeJS.ProcessEnv; cwd: string; logFile: string }): Managed {
  mkdirSync(dirname(opts.logFile), { recursive: true });
  const fd = openSync(opts.logFile, 'w');
  const child = spawn(opts.cmd, opts.args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`${opts.name}: spawn failed (${opts.cmd})`);
  let done = false;
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      done = true;
      running.delete(managed);
      resolve(code ?? signal ?? 'unknown');
    });
  });
  const managed: Managed = { name: opts.name, pid: child.pid, child, logFile: opts.logFile, exited, hasExited: () => done };
  running.add(managed);
  return managed;
}

/** SIGTERM, then SIGKILL after graceMs. Resolves once the process is gone. */
export async function stopProcess(p: Managed, graceMs = 5000): Promise<void> {
  if (p.hasExited()) return;
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), graceMs);
  await p.exited;
  clearTimeout(timer);
}

export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((p) => stopProcess(p, 3000)));
}

/** Kill every child we started if the benchmark itself ends early (Ctrl-C, crash). */
export function installCleanup(): void {
  const killNow = () => {
    for (const p of running) p.child.kill('SIGKILL');
  };
  process.once('exit', killNow);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      console.error(`\nbench: ${sig}, stopping ${running.size} child process(es)`);
      void stopAll().finally(() => process.exit(130));
    });
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Polls url until it answers with a status below 500; fails fast if the process dies. */
export async function waitForHttp(p: Managed, url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (p.hasExited()) throw new Error(`${p.name} exited (${await p.exited}) before it was ready; log tail:\n${tail(p.logFile)}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status < 500) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${p.name} not ready at ${url} after ${timeoutMs} ms (${last}); log tail:\n${tail(p.logFile)}`);
}

export function readRssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** utime + stime of one process, in ms. */
export function readCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised comm (which may contain spaces): state is field 3, utime 14, stime 15.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(rest[11]) + Number(rest[12])) * 1000) / CLK_TCK;
  } catch {
    return 0;
  }
}

/** Summed CPU ms of every process with the given comm (e.g. the postgres server, which is not our child). */
export function readCpuMsByComm(comm: string): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === comm) total += readCpuMs(Number(entry));
    } catch {
      // the process ended while we were reading: its time is lost either way
    }
  }
  return total;
}

/** Samples the max VmRSS of a pid every intervalMs until stopped. */
export function sampleRss(pid: number, intervalMs = 100): { stop: () => number } {
  let max = readRssKb(pid);
  const timer = setInterval(() => {
    max = Math.max(max, readRssKb(pid));
  }, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(max, readRssKb(pid));
    },
  };
}

/** CPU ms spent by the whole machine (all cores, everything but idle and iowait), from /proc/stat. */
export function readSystemBusyMs(): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
    return ((user + nice + system + irq + softirq + steal) * 1000) / CLK_TCK;
  } catch {
    return 0;
  }
}

/** The fake OpenAI-wire upstream in its own process, ready to answer. */
export async function startFakeUpstream(root: string, logDir: string): Promise<{ proc: Managed; origin: string }> {
  const port = await freePort();
  const proc = startProcess({
    name: 'fake-upstream',
    cmd: process.execPath,
    args: ['--import', 'tsx', join(root, 'bench', 'fake-upstream.ts'), `--port=${port}`],
    cwd: root,
    logFile: join(logDir, 'fake-upstream.log'),
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NODE_ENV: 'production' },
  });
  const origin = `http://127.0.0.1:${port}`;
  await waitForHttp(proc, `${origin}/v1/models`);
  return { proc, origin };
}

/** An A/B tool's start: children stopped on exit, a log folder under bench/.tmp, and the fake upstream. */
export async function startScratchBench(root: string, logFolder: string): Promise<{ logDir: string; upstreamOrigin: string }> {
  installCleanup();
  const logDir = join(root, 'bench', '.tmp', logFolder);
  mkdirSync(logDir, { recursive: true });
  const { origin } = await startFakeUpstream(root, logDir);
  return { logDir, upstreamOrigin: origin };
}
