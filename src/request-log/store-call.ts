// Guards around each call to the log store: a timeout, so a hung connection cannot stall the writer, and the short
// reason a failure is logged with.

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

class WriteTimeout extends Error {
  constructor(ms: number) {
    super(`log store did not answer within ${ms} ms`);
  }
}

export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new WriteTimeout(ms)), ms);
  });
  promise.catch(() => undefined); // a write that fails after its timeout must not become an unhandled rejection
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The innermost cause, shortened: drizzle's own message carries the whole failed query with every parameter (the
 * logged bodies), which must not land in the process log.
 */
export function reason(err: unknown): string {
  let current: unknown = err;
  for (let depth = 0; depth < 4; depth++) {
    const cause = (current as { cause?: unknown } | undefined)?.cause;
    if (!(cause instanceof Error)) break;
    current = cause;
  }
  const message = current instanceof Error ? current.message : String(current);
  return message.length > 200 ? `${message.slice(0, 200)}…` : message;
}
