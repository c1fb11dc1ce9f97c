// A real gateway process (`node --import tsx src/main.ts`) on a free loopback port, for tests that must kill it the
// way an operator or the kernel would (SIGTERM, kill -9), which an in-process gateway cannot show.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startProcess, waitForHttp, type Managed } from '../../bench/processes.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface GatewayProcess {
  url: string;
  proc: Managed;
  /** Sends the signal and resolves once the process is gone, with its exit code or signal name. */
  kill(signal: NodeJS.Signals): Promise<number | string>;
}

/**
 * Starts src/main.ts with only the env given here (mock provider, no local discovery, no probes, loopback) plus
 * `env`; resolves once /health answers. Its output goes to `logFile`.
 */
export async function startGatewayProcess(env: Record<string, string>, logFile: string): Promise<GatewayProcess> {
  const port = await freePort();
  const proc = startProcess({
    name: 'gateway',
    cmd: process.execPath,
    args: ['--import', 'tsx', join(root, 'src', 'main.ts')],
    cwd: root,
    logFile,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOST: '127.0.0.1',
      PORT: String(port),
      MOCK_MODE: 'true',
      MOCK_DELAY_MS: '1',
      DISCOVER_LOCAL_PROVIDERS: 'false',
      PROBE_INTERVAL_MS: '3600000',
      LOG_LEVEL: 'warn',
      ...env,
    },
  });
  const url = `http://127.0.0.1:${port}`;
  // tsx compiles src/ at every start: seconds on a quiet machine, over 30 s on one running other suites.
  await waitForHttp(proc, `${url}/health`, 120_000);
  return {
    url,
    proc,
    async kill(signal) {
      if (!proc.hasExited()) proc.child.kill(signal);
      return proc.exited;
    },
  };
}
