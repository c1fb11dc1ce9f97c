// The race of a request still queued in the pool against its attempt's end (send-watch.ts), with a dispatcher that
// queues every request (never calls the handler's start hook), as undici's pool does while all sockets are busy.
import type { Dispatcher } from 'undici';
import { describe, expect, it } from 'vitest';
import { AttemptController, reportSends, settleOnAbortWhileQueued } from '../../src/upstream/send-watch.js';

function queuedSend(controller: AttemptController): { settled: Promise<string>; answer: (value: string) => void } {
  const queue = reportSends({ dispatch: () => true } as unknown as Dispatcher);
  queue.dispatch({ signal: controller.signal } as unknown as Dispatcher.DispatchOptions, {} as Dispatcher.DispatchHandler);
  let answer!: (value: string) => void;
  const pending = new Promise<string>((resolve) => (answer = resolve));
  return { settled: settleOnAbortWhileQueued(controller.signal, pending, () => undefined), answer };
}

const outcome = (p: Promise<string>) => p.then((value) => `answered ${value}`, (err: Error) => `rejected ${err.name}`);

describe('settleOnAbortWhileQueued', () => {
  it('rejects a queued request as soon as its attempt is aborted', async () => {
    const controller = new AttemptController();
    const send = queuedSend(controller);
    controller.abort();
    expect(await outcome(send.settled)).toBe('rejected AbortError');
  });

  it('two sends queued at once under one attempt are both rejected by its abort', async () => {
    const controller = new AttemptController();
    const [first, second] = [queuedSend(controller), queuedSend(controller)];
    controller.abort();
    expect(await Promise.all([outcome(first.settled), outcome(second.settled)])).toEqual(['rejected AbortError', 'rejected AbortError']);
  });

  it('one send answered leaves the other still raced against the abort', async () => {
    const controller = new AttemptController();
    const [first, second] = [queuedSend(controller), queuedSend(controller)];
    first.answer('one');
    expect(await outcome(first.settled)).toBe('answered one');
    controller.abort();
    expect(await outcome(second.settled)).toBe('rejected AbortError');
  });
});
