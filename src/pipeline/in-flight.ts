// The exchanges running now, so a shutdown past its grace period can end them with a reason of its own (each
// surface renders it as its mid-stream error event) and wait until their log records are in the writer's hands.
import type { GatewayError } from '../errors.js';
import type { ClientConnection } from '../http/client-connection.js';

export class InFlight {
  private readonly running = new Set<ClientConnection>();
  private waiters: Array<() => void> = [];

  get size(): number {
    return this.running.size;
  }

  /** The pipeline's, once per exchange: before its first stage runs. */
  add(client: ClientConnection): void {
    this.running.add(client);
  }

  /** The pipeline's, once per exchange: after its stages have left (its record handed to the log writer). */
  delete(client: ClientConnection): void {
    if (!this.running.delete(client) || this.running.size > 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** Ends every running exchange with `reason` (upstream calls cancelled, the client told why); how many there were. */
  abortAll(reason: GatewayError): number {
    const count = this.running.size;
    for (const client of [...this.running]) client.abort(reason);
    return count;
  }

  /** True once no exchange runs; false if some still do after `timeoutMs`. */
  idle(timeoutMs = Number.POSITIVE_INFINITY): Promise<boolean> {
    if (this.running.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = Number.isFinite(timeoutMs) ? setTimeout(() => resolve(false), timeoutMs) : undefined;
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
