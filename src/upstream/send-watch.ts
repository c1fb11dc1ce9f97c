// When an upstream request actually leaves the gateway (is written to a socket), as opposed to waiting for a pooled
// connection: the first-token budget starts there, and a request that never left says nothing about the upstream.
// Measured (issue 11, defect 7): with the first-token timer started at dispatch, 2,000 streams through a 256-socket
// pool gave 1,744 timeouts, hidden duplicate requests on retry and an open breaker on a healthy provider.
import type { Dispatcher } from 'undici';

interface SendWatch {
  /** Handed to a watched dispatcher (it may wait there for a connection). */
  dispatched: boolean;
  /** Epoch ms when written to a socket; 0 until then. */
  sentAt: number;
  onSent: (() => void) | undefined;
  /** Set while a queued request is raced against the attempt's end (settleOnAbortWhileQueued). */
  onAbort: (() => void) | undefined;
}

/** Kept on the attempt's abort signal, which every adapter passes through to sendUpstream unchanged. */
const WATCH = Symbol('sendWatch');
type Watched = AbortSignal & { [WATCH]?: SendWatch };
/** On the signal itself rather than in a WeakMap: watchSends' WeakMap set showed ~2 µs a request in profiles. */
const watchOf = (signal: AbortSignal): SendWatch | undefined => (signal as Watched)[WATCH];

/** Start tracking the upstream requests made under this signal (one attempt's). */
export function watchSends(signal: AbortSignal): void {
  const watched = signal as Watched;
  watched[WATCH] ??= { dispatched: false, sentAt: 0, onSent: undefined, onAbort: undefined };
}

/**
 * One attempt's controller, its sends watched. Its abort() tells a request still queued in the pool at once, where an
 * 'abort' listener added and removed on the signal for every request showed in profiles (EventTarget's bookkeeping).
 */
export class AttemptController extends AbortController {
  constructor() {
    super();
    watchSends(this.signal);
  }

  override abort(reason?: unknown): void {
    super.abort(reason);
    watchOf(this.signal)?.onAbort?.();
  }
}

function markSent(watch: SendWatch): void {
  if (watch.sentAt !== 0) return;
  watch.sentAt = Date.now();
  const onSent = watch.onSent;
  watch.onSent = undefined;
  onSent?.();
}

/** The hook undici calls right before writing a request: onRequestStart(controller, context), or onConnect(abort, context). */
type StartHook = (this: unknown, first: unknown, second: unknown) => unknown;

/**
 * Makes a dispatcher report when watched requests are written. undici calls a handler's onConnect (onRequestStart
 * in the new handler API) right before it writes the request to a connected socket, never while it waits in a pool's
 * queue. Patching the request's own handler costs one closure per watched request and nothing for the others.
 */
export function reportSends<D extends Dispatcher>(dispatcher: D): D {
  const dispatch = dispatcher.dispatch.bind(dispatcher);
  dispatcher.dispatch = (opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler) => {
    // dispatcher.request passes its options (signal included) through to dispatch unchanged.
    const signal = (opts as { signal?: AbortSignal }).signal;
    const watch = signal ? watchOf(signal) : undefined;
    if (watch) {
      watch.dispatched = true;
      const h = handler as unknown as Record<'onRequestStart' | 'onConnect', StartHook | undefined>;
      const key = typeof h.onRequestStart === 'function' ? 'onRequestStart' : 'onConnect';
      const original = h[key];
      // Fixed arity (both APIs pass two arguments): a rest parameter and apply() per request cost more.
      h[key] = function (this: unknown, first: unknown, second: unknown) {
        // An attempt aborted while queued reaches here only to be cancelled, unwritten: it never left.
        if (!signal!.aborted) markSent(watch);
        return original?.call(this, first, second);
      };
    }
    return dispatch(opts, handler);
  };
  return dispatcher;
}

/**
 * undici settles a request aborted while it waits in a pool's queue only once a socket frees up for it (its handler
 * learns of the abort in onConnect), which under load is long after the deadline. This settles such a request at
 * once; undici still cancels it, unwritten, when its turn comes, and a late response is discarded.
 */
export function settleOnAbortWhileQueued<T>(signal: AbortSignal | undefined, pending: Promise<T>, discard: (late: T) => void): Promise<T> {
  const watch = signal ? watchOf(signal) : undefined;
  if (!signal || !watch || !watch.dispatched || watch.sentAt !== 0) return pending;
  const aborted = () => signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
  if (signal.aborted) {
    void pending.then(discard, () => undefined);
    return Promise.reject(aborted());
  }
  // Only an AttemptController's abort() calls onAbort: a watched signal is always one's (router.ts). Races of two
  // sends queued at once under one attempt chain, each leaving the slot as it found it.
  return new Promise<T>((resolve, reject) => {
    const previous = watch.onAbort;
    const mine = () => {
      previous?.();
      reject(aborted());
    };
    watch.onAbort = mine;
    const done = () => {
      if (watch.onAbort === mine) watch.onAbort = previous;
    };
    pending.then(
      (value) => {
        done();
        if (signal.aborted) discard(value);
        else resolve(value);
      },
      (err: unknown) => {
        done();
        reject(err);
      },
    );
  });
}

/**
 * The request was handed to the pool and the attempt ended (aborted: total timeout or the client) before it was
 * written: the upstream never saw it, so it is neither a failure of the upstream nor a request it may have run.
 */
export function neverLeftGateway(signal: AbortSignal): boolean {
  const watch = watchOf(signal);
  return watch !== undefined && watch.dispatched && watch.sentAt === 0 && signal.aborted;
}

export interface FirstTokenTimer {
  cancel(): void;
}

/**
 * Calls `expire` once `ms` have passed since the request was written to a socket. Time spent waiting for a pooled
 * connection (or connecting) does not count. A request that never reached a watched dispatcher (the mock provider, a
 * test transport) is timed from the start, as before.
 */
export function firstTokenTimer(signal: AbortSignal, ms: number, expire: () => void): FirstTokenTimer {
  watchSends(signal);
  const watch = watchOf(signal)!;
  let timer: NodeJS.Timeout | undefined;
  const check = () => {
    timer = undefined;
    if (watch.dispatched && watch.sentAt === 0) {
      watch.onSent = () => (timer = setTimeout(check, ms));
      return;
    }
    const left = watch.sentAt === 0 ? 0 : watch.sentAt + ms - Date.now();
    if (left > 0) timer = setTimeout(check, left);
    else expire();
  };
  timer = setTimeout(check, ms);
  return {
    cancel() {
      if (timer) clearTimeout(timer);
      watch.onSent = undefined;
    },
  };
}
