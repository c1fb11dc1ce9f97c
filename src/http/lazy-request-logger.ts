// Fastify's per-request logger, made only when the request logs something. pino's child() (its bindings serialised,
// its redaction and level methods set up) ran for every request although, with request logging off, almost none
// of them log (bench:profile, issue 10: createChildLogger ~2 % of the samples at JSON c32; ~5 µs a request alone).
// The child is the one Fastify would have made, so a line that is written reads exactly as before.
import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions } from 'pino';

const METHODS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
type LogMethods = Record<(typeof METHODS)[number], (...args: unknown[]) => void>;

class LazyRequestLogger {
  private made: FastifyBaseLogger | undefined = undefined;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  /** The child, made on first use. */
  real(): FastifyBaseLogger {
    this.made ??= this.parent.child(this.bindings, this.options);
    return this.made;
  }

  get level(): string {
    return this.made?.level ?? this.options.level ?? this.parent.level;
  }

  set level(level: string) {
    this.real().level = level;
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.real().child(bindings, options);
  }
}

// On the prototype, not as arrow fields: a closure each per request would cost part of what this saves.
const proto = LazyRequestLogger.prototype as LazyRequestLogger & LogMethods;
for (const method of METHODS) {
  proto[method] = function (this: LazyRequestLogger, ...args: unknown[]) {
    const logger = this.real();
    (logger[method] as (...a: unknown[]) => void).apply(logger, args);
  };
}

/** For Fastify's `childLoggerFactory` option. */
export function lazyChildLogger(logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  // The loop above gave the class every method FastifyBaseLogger has besides level and child.
  return new LazyRequestLogger(logger, bindings, options) as LazyRequestLogger & LogMethods;
}
