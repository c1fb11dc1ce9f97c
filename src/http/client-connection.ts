// The client's side of one HTTP exchange as the router's ClientSignal: an AbortSignal (an EventTarget) and its
// listeners per request showed in profiles; this is a flag and a short list.
import type { ServerResponse } from 'node:http';
import type { GatewayError } from '../errors.js';
import type { ClientSignal } from '../routing/client-signal.js';

/**
 * Aborted when the response closes before it finished (the client disconnected), or by the gateway with a reason
 * (a shutdown past its grace period), which then is what the exchange ends with instead of client_closed.
 */
export class ClientConnection implements ClientSignal {
  aborted = false;
  reason: GatewayError | undefined = undefined;
  private listeners: Array<() => void> = [];

  constructor(res: ServerResponse) {
    res.once('close', () => {
      if (!res.writableFinished) this.abort();
    });
  }

  abort(reason?: GatewayError): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listeners = this.listeners;
    this.listeners = [];
    for (const listener of listeners) listener();
  }

  /** Listeners run once, as with `{ once: true }` on an AbortSignal. */
  addEventListener(_type: 'abort', listener: () => void): void {
    if (this.aborted) return;
    this.listeners.push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const i = this.listeners.indexOf(listener);
    if (i !== -1) this.listeners.splice(i, 1);
  }
}
