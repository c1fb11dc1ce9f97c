// ioredis connections that never hang a caller: bounded connect and command times, no offline queue, quick
// reconnects; and the one test of whether a failure means "Redis is unreachable" rather than a bug.
import { Redis } from 'ioredis';

export interface ConnectionLimits {
  connectTimeoutMs: number;
  commandTimeoutMs: number;
}

// Replies that mean the server cannot serve right now (loading, failing over, out of memory), not that we erred.
const UNAVAILABLE_REPLY = /^(LOADING|READONLY|CLUSTERDOWN|MASTERDOWN|TRYAGAIN|BUSY|NOREPLICAS|OOM|MISCONF)\b/;

/** A failure of reach (timeout, refused, closed, not yet connected) or a server that cannot serve; not a script bug. */
export function isUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === 'ReplyError') return UNAVAILABLE_REPLY.test(err.message);
  return true;
}

export function openConnection(url: string, name: string, limits: ConnectionLimits): Redis {
  return new Redis(url, {
    connectionName: name,
    lazyConnect: true,
    connectTimeout: limits.connectTimeoutMs,
    commandTimeout: limits.commandTimeoutMs,
    // A call while disconnected fails at once instead of waiting for a reconnect that may never come.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // Retry soon and keep retrying: recovery within about a second of Redis coming back.
    retryStrategy: (times) => Math.min(times * 100, 1_000),
    // Subscriptions are remade by redis.ts from its own list, including those asked for while Redis was away.
    autoResubscribe: false,
  });
}

/** Resolves once connected or after connectTimeoutMs, whichever is first; reconnecting goes on by itself. */
export async function connectWithin(redis: Redis, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => (timer = setTimeout(resolve, timeoutMs, false)));
  const connected = redis.connect().then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([connected, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

export async function closeConnection(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([redis.quit().catch(() => undefined), timedOut]);
    clearTimeout(timer);
  }
  redis.disconnect();
}
