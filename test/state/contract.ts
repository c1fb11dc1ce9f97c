// The state port's contract: the same cases registered for every adapter (memory, Redis), with a clock the test moves.
import { afterEach, describe, expect, it } from 'vitest';
import type { HoldSpec, StatePort } from '../../src/state/port.js';

export interface ContractSubject {
  state: StatePort;
  /** Moves the adapter's clock forward; no test waits on real time for a decision. */
  advance(ms: number): void;
}

/** Polls until `check` holds (message delivery crosses a socket for Redis); fails after `timeoutMs`. */
export async function until(check: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export function stateContract(name: string, make: () => Promise<ContractSubject>): void {
  describe(`state port contract: ${name}`, () => {
    const open: StatePort[] = [];
    let seq = 0;
    // Unique keys per case, so adapters that share a store between cases never see each other's entries.
    const key = (label: string): string => `${label}:${Date.now().toString(36)}:${seq++}`;
    async function subject(): Promise<ContractSubject> {
      const s = await make();
      open.push(s.state);
      return s;
    }
    afterEach(async () => {
      await Promise.all(open.splice(0).map((state) => state.close()));
    });

    describe('counters', () => {
      it('add up, read back, and read 0 when absent', async () => {
        const { state } = await subject();
        const k = key('c');
        expect(await state.read(k)).toBe(0);
        expect(await state.increment(k, 3, 60_000)).toBe(3);
        expect(await state.increment(k, 4, 60_000)).toBe(7);
        expect(await state.read(k)).toBe(7);
        expect(await state.read(key('other'))).toBe(0);
      });

      it('expire ttl after creation, not after the last increment, then start again', async () => {
        const { state, advance } = await subject();
        const k = key('c');
        await state.increment(k, 1, 1_000);
        advance(600);
        expect(await state.increment(k, 1, 1_000)).toBe(2);
        advance(500);
        expect(await state.read(k)).toBe(0);
        expect(await state.increment(k, 5, 1_000)).toBe(5);
      });

      it('carry fractions (spend in USD)', async () => {
        const { state } = await subject();
        const k = key('c');
        await state.increment(k, 0.1, 60_000);
        expect(await state.increment(k, 0.2, 60_000)).toBeCloseTo(0.3, 10);
      });
    });

    describe('token buckets', () => {
      const spec = { capacity: 5, refillPerSecond: 1 };

      it('start full, allow the burst, then refuse with how long to wait', async () => {
        const { state } = await subject();
        const k = key('b');
        for (let left = 4; left >= 0; left--) {
          expect(await state.take(k, 1, spec)).toMatchObject({ allowed: true, remaining: left, retryAfterSeconds: 0 });
        }
        expect(await state.take(k, 1, spec)).toEqual({ allowed: false, remaining: 0, retryAfterSeconds: 1, resetSeconds: 5 });
      });

      it('refill at the steady rate and never beyond capacity', async () => {
        const { state, advance } = await subject();
        const k = key('b');
        for (let i = 0; i < 5; i++) await state.take(k, 1, spec);
        advance(1_000);
        expect(await state.take(k, 1, spec)).toMatchObject({ allowed: true, remaining: 0 });
        advance(250);
        expect(await state.take(k, 1, spec)).toMatchObject({ allowed: false, retryAfterSeconds: 0.75 });
        advance(3_600_000);
        expect(await state.take(k, 1, spec)).toMatchObject({ allowed: true, remaining: 4, resetSeconds: 1 });
      });

      it('take costs above one (tokens per minute) and refuse what does not fit without taking it', async () => {
        const { state } = await subject();
        const k = key('tpm');
        const tpm = { capacity: 1_000, refillPerSecond: 1_000 / 60 };
        expect(await state.take(k, 600, tpm)).toMatchObject({ allowed: true, remaining: 400, resetSeconds: 36 });
        // 100 tokens short at 1000/60 per second: 6 s.
        expect(await state.take(k, 500, tpm)).toMatchObject({ allowed: false, remaining: 400, retryAfterSeconds: 6 });
        expect(await state.take(k, 400, tpm)).toMatchObject({ allowed: true, remaining: 0 });
      });

      it('never allow a cost above capacity, even when full', async () => {
        const { state } = await subject();
        expect(await state.take(key('b'), 6, spec)).toMatchObject({ allowed: false, remaining: 5 });
      });

      it('keep keys apart', async () => {
        const { state } = await subject();
        const a = key('a');
        for (let i = 0; i < 5; i++) await state.take(a, 1, spec);
        expect((await state.take(a, 1, spec)).allowed).toBe(false);
        expect(await state.take(key('b'), 1, spec)).toMatchObject({ allowed: true, remaining: 4 });
      });
    });

    describe('reservations', () => {
      const spec = { amount: 40, limit: 100, ttlMs: 10_000 };

      it('grant while settled usage plus open reservations fit the limit, and say what is used', async () => {
        const { state } = await subject();
        const k = key('r');
        expect(await state.reserve(k, spec)).toMatchObject({ granted: true, used: 40 });
        expect(await state.reserve(k, spec)).toMatchObject({ granted: true, used: 80 });
        expect(await state.reserve(k, spec)).toEqual({ granted: false, used: 80 });
        expect(await state.reserve(k, { ...spec, amount: 20 })).toMatchObject({ granted: true, used: 100 });
      });

      it('settle replaces the estimate by the actual usage, above the estimate too', async () => {
        const { state } = await subject();
        const k = key('r');
        const first = await state.reserve(k, spec);
        const second = await state.reserve(k, spec);
        if (!first.granted || !second.granted) throw new Error('expected grants');
        await state.settle(k, first.id, 10);
        await state.settle(k, second.id, 70);
        expect(await state.reserve(k, { ...spec, amount: 21 })).toEqual({ granted: false, used: 80 });
        expect(await state.reserve(k, { ...spec, amount: 20 })).toMatchObject({ granted: true, used: 100 });
      });

      it('settling an unknown or already settled id still adds the actual usage', async () => {
        const { state } = await subject();
        const k = key('r');
        const granted = await state.reserve(k, spec);
        if (!granted.granted) throw new Error('expected a grant');
        await state.settle(k, granted.id, 30);
        await state.settle(k, granted.id, 5);
        await state.settle(k, 'no-such-id', 15);
        expect(await state.reserve(k, { ...spec, amount: 0 })).toMatchObject({ used: 50 });
      });

      it('drop an unsettled reservation after its ttl (a crashed replica)', async () => {
        const { state, advance } = await subject();
        const k = key('r');
        await state.reserve(k, { ...spec, amount: 90 });
        advance(9_999);
        expect((await state.reserve(k, spec)).granted).toBe(false);
        advance(2);
        expect(await state.reserve(k, spec)).toMatchObject({ granted: true, used: 40 });
      });

      it('count usage added without a reservation', async () => {
        const { state } = await subject();
        const k = key('r');
        await state.addUsage(k, 75);
        expect(await state.reserve(k, spec)).toEqual({ granted: false, used: 75 });
        expect(await state.reserve(k, { ...spec, amount: 25 })).toMatchObject({ granted: true, used: 100 });
      });

      it('forget settled usage retainMs after the last reserve (a budget period ends)', async () => {
        const { state, advance } = await subject();
        const k = key('r');
        const retained = { ...spec, retainMs: 60_000 };
        const granted = await state.reserve(k, retained);
        if (!granted.granted) throw new Error('expected a grant');
        await state.settle(k, granted.id, 95);
        advance(30_000);
        expect(await state.reserve(k, retained)).toEqual({ granted: false, used: 95 });
        advance(59_000);
        expect(await state.reserve(k, { ...retained, amount: 0 })).toMatchObject({ used: 95 });
        advance(60_001);
        expect(await state.reserve(k, retained)).toMatchObject({ granted: true, used: 40 });
      });

      it('settle resolves to the settled usage, open reservations left out', async () => {
        const { state } = await subject();
        const k = key('r');
        const first = await state.reserve(k, spec);
        await state.reserve(k, spec);
        if (!first.granted) throw new Error('expected a grant');
        expect(await state.settle(k, first.id, 12.5)).toBeCloseTo(12.5, 9);
        expect(await state.settle(k, 'no-such-id', 0.25)).toBeCloseTo(12.75, 9);
      });

      it('seed only a key that holds nothing: the second seeder (another replica) counts nothing twice', async () => {
        const { state } = await subject();
        const k = key('seed');
        expect(await state.seedUsage(k, 60, 60_000)).toBe(true);
        expect(await state.seedUsage(k, 60, 60_000)).toBe(false);
        expect(await state.reserve(k, { ...spec, amount: 41 })).toEqual({ granted: false, used: 60 });
        const reserved = key('seed');
        await state.reserve(reserved, { ...spec, amount: 10 });
        expect(await state.seedUsage(reserved, 50)).toBe(false);
        expect(await state.reserve(reserved, { ...spec, amount: 0 })).toMatchObject({ used: 10 });
      });

      it('seed again once a retained period has ended', async () => {
        const { state, advance } = await subject();
        const k = key('seed');
        expect(await state.seedUsage(k, 30, 1_000)).toBe(true);
        advance(1_001);
        expect(await state.seedUsage(k, 5, 1_000)).toBe(true);
        expect(await state.reserve(k, { ...spec, amount: 0 })).toMatchObject({ used: 5 });
      });

      it('keep settled usage without retainMs', async () => {
        const { state, advance } = await subject();
        const k = key('r');
        await state.addUsage(k, 99);
        advance(400 * 86_400_000);
        expect(await state.reserve(k, spec)).toEqual({ granted: false, used: 99 });
      });
    });

    describe('leases', () => {
      const spec = { max: 2, ttlMs: 5_000 };

      it('grant up to max, refuse beyond, and free on release', async () => {
        const { state } = await subject();
        const k = key('l');
        const a = await state.acquireLease(k, spec);
        expect(a).toMatchObject({ granted: true, held: 1 });
        expect(await state.acquireLease(k, spec)).toMatchObject({ granted: true, held: 2 });
        expect(await state.acquireLease(k, spec)).toEqual({ granted: false, held: 2 });
        if (!a.granted) throw new Error('expected a grant');
        await state.releaseLease(k, a.id);
        await state.releaseLease(k, a.id);
        await state.releaseLease(k, 'no-such-lease');
        expect(await state.acquireLease(k, spec)).toMatchObject({ granted: true, held: 2 });
        expect(await state.acquireLease(key('other'), spec)).toMatchObject({ granted: true, held: 1 });
      });

      it('drop a lease not released within its ttl', async () => {
        const { state, advance } = await subject();
        const k = key('l');
        await state.acquireLease(k, spec);
        advance(2_000);
        await state.acquireLease(k, spec);
        advance(3_001);
        expect(await state.acquireLease(k, spec)).toMatchObject({ granted: true, held: 2 });
        expect(await state.acquireLease(k, spec)).toMatchObject({ granted: false, held: 2 });
      });
    });

    describe('admissions (every hold or none)', () => {
      const lease = (k: string, max = 2): HoldSpec => ({ kind: 'lease', key: k, max, ttlMs: 5_000 });
      const reserve = (k: string, amount: number, limit = 100): HoldSpec => ({ kind: 'reserve', key: k, amount, limit, ttlMs: 10_000 });

      it('take every hold under one id and say what each holds now, this one included', async () => {
        const { state } = await subject();
        const [l, r] = [key('l'), key('r')];
        await state.addUsage(r, 30);
        const admitted = await state.admit([lease(l), reserve(r, 25)]);
        expect(admitted).toMatchObject({ granted: true, counts: [1, 55] });
        expect(await state.acquireLease(l, { max: 2, ttlMs: 5_000 })).toMatchObject({ granted: true, held: 2 });
        expect(await state.reserve(r, { amount: 0, limit: 100, ttlMs: 1_000 })).toMatchObject({ used: 55 });
      });

      it('take nothing when one hold does not fit, and name the first that did not', async () => {
        const { state } = await subject();
        const [l, r, full] = [key('l'), key('r'), key('full')];
        await state.addUsage(full, 100);
        const refused = await state.admit([lease(l), reserve(r, 10), reserve(full, 1), lease(key('l2'), 0)]);
        expect(refused).toEqual({ granted: false, refused: 2, counts: [0, 0, 100, 0] });
        // Nothing was taken by the holds that fitted.
        expect(await state.admit([lease(l, 1), reserve(r, 100)])).toMatchObject({ granted: true, counts: [1, 100] });
      });

      it('end the holds: leases freed, reservations settled with the actual usage (resolving to it)', async () => {
        const { state } = await subject();
        const [l, r] = [key('l'), key('r')];
        const admitted = await state.admit([lease(l, 1), reserve(r, 80)]);
        if (!admitted.granted) throw new Error('expected a grant');
        expect((await state.admit([lease(l, 1)])).granted).toBe(false);
        const ended = await state.endHolds(admitted.id, [
          { kind: 'lease', key: l, actual: 0 },
          { kind: 'settle', key: r, actual: 12.5 },
        ]);
        expect(ended[0]).toBeUndefined();
        expect(ended[1]).toBeCloseTo(12.5, 9);
        expect(await state.admit([lease(l, 1), reserve(r, 87.5)])).toMatchObject({ granted: true, counts: [1, 100] });
      });

      it('take several leases under one hold (a block), then free all but those kept', async () => {
        const { state } = await subject();
        const [l, other] = [key('l'), key('l')];
        const block = await state.admit([{ kind: 'lease', key: l, max: 10, ttlMs: 5_000, count: 6 }]);
        expect(block).toMatchObject({ granted: true, counts: [6] });
        if (!block.granted) throw new Error('expected a grant');
        // 6 held: a block of 5 more does not fit under 10, nor does it take anything.
        expect(await state.admit([{ kind: 'lease', key: l, max: 10, ttlMs: 5_000, count: 5 }])).toEqual({ granted: false, refused: 0, counts: [6] });
        expect(await state.acquireLease(l, { max: 10, ttlMs: 5_000 })).toMatchObject({ granted: true, held: 7 });
        await state.endHolds(block.id, [{ kind: 'lease', key: l, actual: 0, count: 6, keep: 2 }]);
        expect(await state.acquireLease(l, { max: 10, ttlMs: 5_000 })).toMatchObject({ granted: true, held: 4 });
        // keep = count frees nothing; a single lease kept stays too.
        const kept = await state.admit([{ kind: 'lease', key: other, max: 2, ttlMs: 5_000 }]);
        if (!kept.granted) throw new Error('expected a grant');
        await state.endHolds(kept.id, [{ kind: 'lease', key: other, actual: 0, keep: 1 }]);
        expect(await state.acquireLease(other, { max: 2, ttlMs: 5_000 })).toMatchObject({ granted: true, held: 2 });
      });

      it('drop a short reservation taken after a longer one once it expires', async () => {
        const { state, advance } = await subject();
        const r = key('r');
        await state.reserve(r, { amount: 10, limit: 100, ttlMs: 100_000 });
        await state.reserve(r, { amount: 10, limit: 100, ttlMs: 10 });
        advance(1_000);
        expect(await state.reserve(r, { amount: 0, limit: 100, ttlMs: 1_000 })).toMatchObject({ used: 10 });
      });

      it('settle a negative correction (usage below what an earlier settle recorded)', async () => {
        const { state } = await subject();
        const r = key('r');
        await state.addUsage(r, 10);
        await state.addUsage(r, -4);
        expect(await state.reserve(r, { amount: 0, limit: 100, ttlMs: 1_000 })).toMatchObject({ used: 6 });
      });

      it('drop an admission\'s holds after their ttl (a crashed replica)', async () => {
        const { state, advance } = await subject();
        const [l, r] = [key('l'), key('r')];
        expect((await state.admit([lease(l, 1), reserve(r, 90)])).granted).toBe(true);
        advance(5_001);
        expect(await state.admit([lease(l, 1), reserve(r, 20)])).toEqual({ granted: false, refused: 1, counts: [0, 90] });
        advance(5_000);
        expect(await state.admit([lease(l, 1), reserve(r, 20)])).toMatchObject({ granted: true, counts: [1, 20] });
      });
    });

    describe('pub/sub', () => {
      it('deliver to every subscriber of the channel only, until it unsubscribes', async () => {
        const { state } = await subject();
        const [news, other] = [key('news'), key('other')];
        const seen: string[] = [];
        const record = (tag: string) => (message: string) => seen.push(`${tag}:${message}`);
        const stopA = await state.subscribe(news, record('a'));
        await state.subscribe(news, record('b'));
        await state.subscribe(other, record('o'));
        await state.publish(news, 'revoked k1');
        await until(() => seen.length === 2);
        expect(seen.sort()).toEqual(['a:revoked k1', 'b:revoked k1']);
        await stopA();
        await state.publish(news, 'second');
        await state.publish(other, 'marker');
        await until(() => seen.includes('o:marker'));
        expect(seen.filter((m) => m.endsWith('second'))).toEqual(['b:second']);
      });

      it('keep two subscriptions with the same function apart', async () => {
        const { state } = await subject();
        const ch = key('ch');
        const seen: string[] = [];
        const onMessage = (message: string): void => void seen.push(message);
        const stop = await state.subscribe(ch, onMessage);
        await state.subscribe(ch, onMessage);
        await stop();
        await state.publish(ch, 'once');
        await until(() => seen.length === 1);
        expect(seen).toEqual(['once']);
      });
    });

    it('is not degraded while its store answers', async () => {
      const { state } = await subject();
      expect(state.degraded).toBe(false);
      expect(['memory', 'redis']).toContain(state.backend);
      expect(typeof state.onDegradedChange(() => {})).toBe('function');
    });
  });
}
