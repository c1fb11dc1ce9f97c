// In-process pub/sub: one replica's subscribers, each called on a later microtask so a publisher never runs them.
import type { Unsubscribe } from './port.js';

/** The part of a pino logger the adapters use. */
export interface StateLog {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export type HandlerErrorSink = (err: unknown, channel: string) => void;

export class LocalHub {
  private readonly channelMap = new Map<string, Set<(message: string) => void>>();

  constructor(private readonly onHandlerError: HandlerErrorSink) {}

  get channelCount(): number {
    return this.channelMap.size;
  }

  channels(): string[] {
    return [...this.channelMap.keys()];
  }

  has(channel: string): boolean {
    return this.channelMap.has(channel);
  }

  add(channel: string, onMessage: (message: string) => void): Unsubscribe {
    let handlers = this.channelMap.get(channel);
    if (!handlers) this.channelMap.set(channel, (handlers = new Set()));
    // A Set would merge two subscriptions made with the same function; a wrapper keeps each its own.
    const handler = (message: string): void => onMessage(message);
    handlers.add(handler);
    return async () => {
      handlers.delete(handler);
      if (handlers.size === 0 && this.channelMap.get(channel) === handlers) this.channelMap.delete(channel);
    };
  }

  deliver(channel: string, message: string): void {
    const handlers = this.channelMap.get(channel);
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
    this.channelMap.clear();
  }
}
