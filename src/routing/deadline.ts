// One request's end: the client's disconnect or the total timeout, whichever comes first, passed on to the
// upstream attempt running at that moment. Disposable, unlike AbortSignal.timeout + AbortSignal.any, whose timer
// keeps every request alive until it fires (measured: the heap grew by gigabytes under load with a 120 s total
// timeout). It aborts the attempt's own controller rather than owning one: an AbortController and its listeners
// per request showed in profiles.
import type { ClientSignal } from './client-signal.js';

export class Deadline {
  private readonly timer: NodeJS.Timeout;
  private timedOutFlag = false;
  /** The attempt in flight (or the wait between rounds): what an end of the request must abort. */
  private current: AbortController | undefined;
  /** Epoch ms when the total timeout fires. */
  readonly endsAt: number;
  private readonly onClientAbort = () => this.current?.abort(this.client.reason);

  constructor(
    private readonly client: ClientSignal,
    readonly ms: number,
  ) {
    this.endsAt = Date.now() + ms;
    this.timer = setTimeout(() => {
      this.timedOutFlag = true;
      this.current?.abort();
    }, ms);
    if (!client.aborted) client.addEventListener('abort', this.onClientAbort, { once: true });
  }

  get timedOut(): boolean {
    return this.timedOutFlag;
  }

  /** The request is over, by the client leaving or by the total timeout. */
  get ended(): boolean {
    return this.timedOutFlag || this.client.aborted;
  }

  /** Ties an attempt (or a wait) to the request: aborted at once when the request has already ended. */
  bind(controller: AbortController): void {
    this.current = controller;
    if (this.client.aborted) controller.abort(this.client.reason);
    else if (this.timedOutFlag) controller.abort();
  }

  unbind(controller: AbortController): void {
    if (this.current === controller) this.current = undefined;
  }

  /** Call once the request is over: frees the timer and the listener on the client's signal. */
  dispose(): void {
    clearTimeout(this.timer);
    this.current = undefined;
    this.client.removeEventListener('abort', this.onClientAbort);
  }
}
