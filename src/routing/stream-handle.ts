// A stream past its first event: the rest of the upstream's events under the idle and total timeouts, and the
// verdict on the deployment once it ends. From here on a failure can no longer fall back; the route reports it
// in-band.
import { GatewayError, isClientClosed } from '../errors.js';
import { bufferedOf, type ChatStreamEvent } from '../providers/provider.js';
import type { HealthTracker } from './health.js';
import type { Target } from './resolve.js';
import type { Attempted } from './router.js';

export interface StreamHandle {
  target: Target;
  first: ChatStreamEvent;
  /** The remaining events; failures come out as classified GatewayErrors (idle/total timeout, reset, cut…). */
  rest: AsyncIterator<ChatStreamEvent>;
  /** The next event when already read (no wait, so no idle timing): saves a promise turn per event. */
  buffered(): ChatStreamEvent | undefined;
  /** Call once the stream ended: with an error if it failed after the first event. Releases the upstream. */
  finish(error?: GatewayError): void;
}

export function streamHandle(
  result: Attempted<{ first: ChatStreamEvent; iterator: AsyncIterator<ChatStreamEvent> }>,
  idleMs: number,
  health: HealthTracker,
): StreamHandle {
  const { target, controller, record } = result;
  const { iterator } = result.value;
  let waiting = false;
  let finished = false;
  // Enforced here as well as by undici's bodyTimeout: an upstream that sends only SSE comments (keep-alives)
  // keeps bytes flowing but never a chunk. Time the client spends draining does not count: only our waits do.
  const idle = setTimeout(() => {
    if (waiting) {
      controller.abort(new GatewayError({ status: 504, message: `${target.provider}: no stream data within ${idleMs} ms`, code: 'upstream_timeout', provider: target.provider }));
    }
  }, idleMs);

  const rest: AsyncIterator<ChatStreamEvent> = {
    async next() {
      waiting = true;
      idle.refresh();
      try {
        return await iterator.next();
      } catch (err) {
        throw result.classify(err);
      } finally {
        waiting = false;
      }
    },
  };

  const source = bufferedOf(iterator);
  return {
    target,
    first: result.value.first,
    rest,
    buffered: () => source?.buffered(),
    finish(error) {
      if (finished) return;
      finished = true;
      clearTimeout(idle);
      result.detach();
      if (!error) {
        health.onSuccess(target.provider, target.model, result.upstreamMs);
      } else {
        if (error.countsAgainstHealth) health.onFailure(target.provider, target.model, error.message);
        else health.release(target.provider, target.model);
        // The attempt had answered 200; what broke it afterwards belongs in its log row too (the client leaving does not).
        if (!isClientClosed(error)) {
          record.error = `after the first byte: ${error.message}`;
          record.errorCode = error.code ?? undefined;
        }
      }
      // A finished stream has released its upstream already; aborting it anyway costs an AbortError with a stack.
      if (error) controller.abort();
      void iterator.return?.()?.catch(() => undefined);
    },
  };
}
