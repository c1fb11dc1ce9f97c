// The shared-state settings (REDIS_URL and friends) and the defaults the limits stages estimate with, from the env.
import { ConfigError, int } from './config-values.js';
import type { FailureMode } from './state/redis.js';

export interface StateConfig {
  /** REDIS_URL: unset → limits, budgets and revocations are kept in process (one replica only). */
  redisUrl: string | undefined;
  /** REDIS_PREFIX: namespace of every Redis key and channel. */
  prefix: string;
  /** REDIS_FAILURE_MODE: `open` decides locally at limit ÷ replicas while Redis is away, `closed` answers 503. */
  failureMode: FailureMode;
  /** GATEWAY_REPLICAS: how many gateways share the Redis (the divisor of `open`). */
  replicas: number;
  commandTimeoutMs: number;
  connectTimeoutMs: number;
  /** LIMITS_DEFAULT_MAX_TOKENS: the completion a TPM or budget reservation assumes when the client sent no max_tokens. */
  defaultMaxTokens: number;
}

export function stateConfig(env: NodeJS.ProcessEnv): StateConfig {
  const prefix = env.REDIS_PREFIX ?? 'llmgw:';
  // A brace would move the Cluster hash tag off the subject and split one key's limits across slots.
  if (/[{}]/.test(prefix)) throw new ConfigError(`REDIS_PREFIX must not contain braces, got '${prefix}'`);
  const mode = (env.REDIS_FAILURE_MODE || 'open').toLowerCase();
  if (mode !== 'open' && mode !== 'closed') throw new ConfigError(`REDIS_FAILURE_MODE must be open or closed, got '${env.REDIS_FAILURE_MODE}'`);
  const redisUrl = env.REDIS_URL?.trim() || undefined;
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) throw new ConfigError(`REDIS_URL must start with redis:// or rediss://`);
  return {
    redisUrl,
    prefix,
    failureMode: mode,
    replicas: int('GATEWAY_REPLICAS', env.GATEWAY_REPLICAS, 1, 1),
    commandTimeoutMs: int('REDIS_COMMAND_TIMEOUT_MS', env.REDIS_COMMAND_TIMEOUT_MS, 200, 1),
    connectTimeoutMs: int('REDIS_CONNECT_TIMEOUT_MS', env.REDIS_CONNECT_TIMEOUT_MS, 1_000, 1),
    defaultMaxTokens: int('LIMITS_DEFAULT_MAX_TOKENS', env.LIMITS_DEFAULT_MAX_TOKENS, 1_024, 1),
  };
}
