// A native pass-through that the router opened: the upstream's answer, to be relayed by the caller, who reports
// once the body has ended (or failed) so the attempt's health, timers and log row are settled exactly once.
import { isClientClosed, type GatewayError } from '../errors.js';
import type { PassthroughAnswer } from '../providers/provider.js';
import type { HealthTracker } from './health.js';
import type { Target } from './resolve.js';
import type { Attempted } from './router.js';

export interface RelayHandle {
  target: Target;
  answer: PassthroughAnswer;
  /** Any failure while relaying the body → the GatewayError that explains it. */
  classify(thrown: unknown): GatewayError;
  finish(error?: GatewayError): void;
}

export function relayHandle(result: Attempted<PassthroughAnswer>, health: HealthTracker): RelayHandle {
  const { target, record, controller } = result;
  let finished = false;
  return {
    target,
    answer: result.value,
    classify: result.classify,
    finish(error) {
      if (finished) return;
      finished = true;
      result.detach();
      if (!error) return health.onSuccess(target.provider, target.model, result.upstreamMs);
      if (error.countsAgainstHealth) health.onFailure(target.provider, target.model, error.message);
      else health.release(target.provider, target.model);
      if (!isClientClosed(error)) {
        record.error = `after the first byte: ${error.message}`;
        record.errorCode = error.code ?? undefined;
      }
      controller.abort();
    },
  };
}
