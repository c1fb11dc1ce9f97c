// In-process pub/sub: one replica's subscribers, each called on a later microtask so a publisher never runs them.
import type { Unsubscribe } from './port.js';

/** The part of a pino logger the adapters use. */
export interface StateLog {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export type HandlerErrorSink = (err: unknown, channel: string) => void;

export class LocalHub {
  private readonly channels = new Map<string, Set<(message: string) => void>>();

  constructor(private readonly onHandlerError: HandlerErrorSink) {}

  get channelCount(): number {
    return this.channels.size;
  }

  has(channel: string): boolean {
    return this.channels.has(channel);
  }

  add(channel: string, onMessage: (message: string) => void): Unsubscribe {
    let handlers = this.channels.get(channel);
    if (!handlers) this.channels.set(channel, (handlers = new Set()));
    // A Set would merge two subscriptions made with the same function; a wrapper keeps each its own.
    const handler = (message: string): void => onMessage(message);
    handlers.add(handler);
    return async () => {
      handlers.delete(handler);
      if (handlers.size === 0 && this.channels.get(channel) === handlers) this.channels.delete(channel);
    };
  }

  deliver(channel: string, message: string): void {
    const handlers = this.channels.get(channel);
    if (!handlers) return;
    for (const handler of handlers) {
      queueMicrotask(() => {
        // A failing subscriber is its own problem: the others and the publisher go on.
        try {
          handler(message);
        } catch (err) {
          this.onHandlerError(err, channel);
        }
      });
    }
  }

  clear(): void {
    this.channels.clear();
  }
}
