// A throwaway PostgreSQL cluster for outage and crash tests: initdb into a temp folder, start, stop (or crash) it on a
// free loopback port, query it. As root the server binaries run as the `postgres` user (PostgreSQL refuses root).
import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

const hasServerTools = (bin: string) => existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl'));

/** Where `pg_config --bindir` points, when that folder has the server tools. */
function pgConfigBin(): string | undefined {
  try {
    const bin = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return bin && hasServerTools(bin) ? bin : undefined;
  } catch {
    return undefined;
  }
}

/** Debian and Ubuntu keep the server tools apart, in the newest /usr/lib/postgresql/<version>/bin. */
function debianBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => hasServerTools(join(root, v, 'bin')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(root, versions[0], 'bin');
}

/** The folder holding initdb and pg_ctl (from pg_config, else the Debian layout), or why there is none. */
export function findPgBin(): { bin?: string; reason?: string } {
  const bin = pgConfigBin() ?? debianBin();
  if (!bin) return { reason: 'no PostgreSQL server tools (initdb, pg_ctl) via pg_config --bindir or /usr/lib/postgresql/*/bin' };
  if (userInfo().uid === 0) {
    if (!existsSync('/usr/sbin/runuser') && !existsSync('/sbin/runuser')) return { reason: 'running as root without runuser' };
    try {
      userUid('postgres');
    } catch {
      return { reason: 'running as root and there is no postgres user' };
    }
  }
  return { bin };
}

function userUid(name: string): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${name}:`));
  if (!line) throw new Error(`no user ${name}`);
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface PgCluster {
  url: string;
  start(): Promise<void>;
  /** A fast shutdown: clients are disconnected, the server is gone until start(). */
  stop(): Promise<void>;
  /** An immediate shutdown, as a crash of the server would leave it (it recovers at the next start). */
  crash(): Promise<void>;
  /** One query on a connection of its own. */
  query<T extends object>(text: string, values?: unknown[]): Promise<T[]>;
  destroy(): Promise<void>;
}

export async function createPgCluster(bin: string): Promise<PgCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'llm-gateway-pg-'));
  const asRoot = userInfo().uid === 0;
  if (asRoot) {
    const { uid, gid } = userUid('postgres');
    chownSync(dir, uid, gid);
  }
  const tool = (name: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, name), ...args]) : run(join(bin, name), args);
  const data = join(dir, 'data');
  const port = await freePort();
  await tool('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`;
  let running = false;
  const cluster: PgCluster = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async start() {
      await tool('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '30', '-o', options, 'start']);
      running = true;
    },
    async stop() {
      await tool('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
      running = false;
    },
    async crash() {
      await tool('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      running = false;
    },
    async query<T extends object>(text: string, values: unknown[] = []) {
      const client = new pg.Client({ connectionString: cluster.url });
      await client.connect();
      try {
        return (await client.query<T>(text, values)).rows;
      } finally {
        await client.end();
      }
    },
    async destroy() {
      if (running) await cluster.stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return cluster;
}
