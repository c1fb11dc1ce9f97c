// The state port a replica runs on, from its config: Redis (shared by every replica) when REDIS_URL is set, else
// in process; and the `gateway_state_degraded` gauge kept in step with it.
import type { StateConfig } from '../config-state.js';
import type { Metrics } from '../metrics.js';
import type { StateLog } from './hub.js';
import { createMemoryState } from './memory.js';
import type { StatePort } from './port.js';
import { createRedisState } from './redis.js';

export async function stateFromConfig(config: StateConfig, log: StateLog, metrics: Metrics): Promise<StatePort> {
  if (!config.redisUrl) return createMemoryState({ log });
  return createRedisState({
    url: config.redisUrl,
    prefix: config.prefix,
    commandTimeoutMs: config.commandTimeoutMs,
    connectTimeoutMs: config.connectTimeoutMs,
    failureMode: config.failureMode,
    replicas: config.replicas,
    log,
    metrics,
  });
}

/** Sets the gauge now and on every change; returns the function that stops following. */
export function followDegraded(state: StatePort, metrics: Metrics): () => void {
  metrics.stateDegraded.set(state.degraded ? 1 : 0);
  return state.onDegradedChange((degraded) => metrics.stateDegraded.set(degraded ? 1 : 0));
}
