// Graceful shutdown on SIGTERM/SIGINT: stop accepting connections, let in-flight requests and streams finish within
// the grace period, then end those still running with server_shutting_down (each surface's own error event, their
// upstream calls cancelled), wait for their log records, flush the log writer to the database, close the pools and
// exit 0. A second signal ends everything at once.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { serverShuttingDown } from './errors.js';
import type { InFlight } from './pipeline/in-flight.js';
import type { CloseOptions } from './services.js';

export interface ShutdownOptions {
  app: FastifyInstance;
  /** The running exchanges; close flushes the log writer, closes the database, provider and upstream pools. */
  services: { exchanges: InFlight; close(options?: CloseOptions): Promise<void> };
  log: Logger;
  graceMs: number;
  exit?: (code: number) => void;
}

/** Ending the exchanges, the last log flush and closing pools get this long after the grace period before the process gives up. */
const CLOSE_MARGIN_MS = 10_000;
/** How long exchanges ended by the shutdown get to send their error event and hand their record to the log writer. */
const CUT_WAIT_MS = 2_000;
/**
 * The log writer's last flush to the database (what it cannot write by then goes to the spill file): within the
 * margin above, after up to twice CUT_WAIT_MS.
 */
const LOG_DEADLINE_MS = 5_000;
/** How often sockets whose last response ended during the drain are closed (else they idle until keepAliveTimeout). */
const REAP_IDLE_MS = 50;

export function createShutdown({ app, services, log, graceMs, exit = (code) => process.exit(code) }: ShutdownOptions) {
  const { exchanges } = services;
  let stopping = false;
  return async function shutdown(signal: string): Promise<void> {
    if (stopping) {
      log.warn({ signal, ended: exchanges.abortAll(serverShuttingDown()) }, 'second signal: ending every exchange and closing open connections now');
      app.server.closeAllConnections();
      return;
    }
    stopping = true;
    log.info({ signal, graceMs }, 'shutting down: refusing new connections, draining in-flight requests');
    // Refuses new connections at once; resolves once every connection has closed (WebSockets: see ws/routes.ts).
    const closed = app.close();
    const reap = setInterval(() => app.server.closeIdleConnections(), REAP_IDLE_MS);
    const giveUp = setTimeout(() => {
      log.error('shutdown did not finish in time; exiting');
      exit(1);
    }, graceMs + CLOSE_MARGIN_MS);
    giveUp.unref();
    let grace: NodeJS.Timeout | undefined;
    const graceOver = new Promise<false>((resolve) => {
      grace = setTimeout(() => resolve(false), graceMs);
    });
    try {
      const drained = await Promise.race([Promise.all([closed, exchanges.idle()]).then(() => true), graceOver]);
      clearTimeout(grace);
      if (!drained) {
        // Told why in each dialect, logged as 503 server_shutting_down, rather than cut by TCP and logged as 499.
        log.warn({ graceMs, ended: exchanges.abortAll(serverShuttingDown()) }, 'grace period over: ending the exchanges still running (server_shutting_down)');
        await exchanges.idle(CUT_WAIT_MS);
        // What is still open: clients that do not read their error event, requests outside the pipeline.
        app.server.closeAllConnections();
      }
      // Their records reach the writer before it closes, so they go to the database and not to the spill file.
      if (!(await exchanges.idle(CUT_WAIT_MS))) log.warn({ running: exchanges.size }, 'exchanges still running at shutdown; their rows may be missing');
      await closed;
      clearInterval(reap);
      await services.close({ logDeadlineMs: LOG_DEADLINE_MS });
      clearTimeout(giveUp);
      log.info('shutdown complete');
      exit(0);
    } catch (err) {
      clearInterval(reap);
      clearTimeout(grace);
      log.error({ err: (err as Error).message }, 'shutdown failed');
      exit(1);
    }
  };
}
