// record: the end of every proxied request that got past the gates, whatever its endpoint: its metrics, and its
// log entry handed to the async writer. It enters right after the gates (authorize, limits) so that a refusal
// there is not logged as an exchange, while a failure in resolve or route is.
import type { Deps } from '../../deps.js';
import { exchangeRecord, toLogEntry, type ExchangeRecord } from '../../request-log/entry.js';
import type { Stage } from '../stage.js';

export function recordExchange(deps: Deps, record: ExchangeRecord): void {
  const { metrics } = deps;
  metrics.requests.inc({ route: record.endpoint, provider: record.provider ?? 'none', model: record.model ?? 'none', status: String(record.status) });
  if (record.provider && record.status < 400) metrics.providerLatency.observe({ provider: record.provider }, record.latencyMs / 1000);
  if (record.overheadMs !== undefined) metrics.overhead.observe({ route: record.endpoint }, record.overheadMs / 1000);
  if (record.usage && record.provider && record.model) {
    metrics.tokens.inc({ provider: record.provider, model: record.model, kind: 'prompt' }, record.usage.prompt_tokens);
    metrics.tokens.inc({ provider: record.provider, model: record.model, kind: 'completion' }, record.usage.completion_tokens);
  }
  deps.logWriter.enqueue(toLogEntry(record, deps.config.logBodies, deps.redact));
}

export function recordStage(deps: Deps): Stage {
  return {
    name: 'record',
    leave(x) {
      if (x.outcome) recordExchange(deps, exchangeRecord(x.context, x.outcome));
    },
  };
}
