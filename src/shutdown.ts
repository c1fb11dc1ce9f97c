// Graceful shutdown on SIGTERM/SIGINT: stop accepting connections, let in-flight requests and streams finish within
// the grace period, then flush the log writer and close pools. The grace period running out, or a second signal,
// cuts the connections still open (their exchanges are still logged).
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

export interface ShutdownOptions {
  app: FastifyInstance;
  /** Flushes the log writer, closes the database, provider and upstream pools. */
  services: { close(): Promise<void> };
  log: Logger;
  graceMs: number;
  exit?: (code: number) => void;
}

/** Closing pools and the last log flush get this long after the grace period before the process gives up. */
const CLOSE_MARGIN_MS = 10_000;
/** How often sockets whose last response ended during the drain are closed (else they idle until keepAliveTimeout). */
const REAP_IDLE_MS = 50;

export function createShutdown({ app, services, log, graceMs, exit = (code) => process.exit(code) }: ShutdownOptions) {
  let stopping = false;
  return async function shutdown(signal: string): Promise<void> {
    if (stopping) {
      log.warn({ signal }, 'second signal: closing open connections now');
      app.server.closeAllConnections();
      return;
    }
    stopping = true;
    log.info({ signal, graceMs }, 'shutting down: refusing new connections, draining in-flight requests');
    const closed = app.close();
    const reap = setInterval(() => app.server.closeIdleConnections(), REAP_IDLE_MS);
    const force = setTimeout(() => {
      log.warn({ graceMs }, 'grace period over: closing the connections still open');
      app.server.closeAllConnections();
    }, graceMs);
    const giveUp = setTimeout(() => {
      log.error('shutdown did not finish in time; exiting');
      exit(1);
    }, graceMs + CLOSE_MARGIN_MS);
    giveUp.unref();
    try {
      await closed;
      clearInterval(reap);
      clearTimeout(force);
      await services.close();
      clearTimeout(giveUp);
      log.info('shutdown complete');
      exit(0);
    } catch (err) {
      clearInterval(reap);
      clearTimeout(force);
      log.error({ err: (err as Error).message }, 'shutdown failed');
      exit(1);
    }
  };
}
