// The named policy flags, as routing reads them: nothing the client sent counts against a deployment's health (an
// upstream 400, a parameter one adapter cannot translate, a request we could not serialise), while another target
// is still tried when one may do better; the client leaving and the total timeout stop everything.
import { describe, expect, it } from 'vitest';
import { clientClosed, GatewayError, toGatewayError, totalTimeout, upstreamHttpError } from '../../src/errors.js';
import { HealthTracker } from '../../src/routing/health.js';
import { ctx, plan, request, scripted, setup } from './router-helpers.js';

/** One failure opens a circuit: any failure counted against health shows at once. */
const strictHealth = () => new HealthTracker({ failureThreshold: 1, failureRatio: 1, minRequests: 100, windowMs: 60_000, cooldownMs: 60_000 });
const counted = (health: HealthTracker, provider: string) => health.deploymentsOf(provider).map((d) => d.state);

describe('error policy flags', () => {
  it('are computed once from the status, with the request-caused 4xx never counted against health', () => {
    expect(upstreamHttpError('p', 503, { message: 'x' })).toMatchObject({ retrySameTarget: true, tryOtherTargets: true, countsAgainstHealth: true });
    expect(upstreamHttpError('p', 400, { message: 'x' })).toMatchObject({ retrySameTarget: false, tryOtherTargets: false, countsAgainstHealth: false });
    expect(upstreamHttpError('p', 401, { message: 'x' })).toMatchObject({ retrySameTarget: false, tryOtherTargets: true, countsAgainstHealth: true });
    expect(upstreamHttpError('p', 404, { message: 'x' })).toMatchObject({ retrySameTarget: false, tryOtherTargets: true, countsAgainstHealth: true });
    expect(upstreamHttpError('p', 429, { message: 'x', permanent: true })).toMatchObject({ retrySameTarget: false, tryOtherTargets: true, countsAgainstHealth: true });
    expect(toGatewayError(new TypeError('Do not know how to serialize a BigInt'), 'p')).toMatchObject({ status: 500, tryOtherTargets: true, countsAgainstHealth: false });
    expect(clientClosed()).toMatchObject({ retrySameTarget: false, tryOtherTargets: false, countsAgainstHealth: false });
    expect(totalTimeout(1000)).toMatchObject({ retrySameTarget: false, tryOtherTargets: false, countsAgainstHealth: true });
  });

  it('a parameter one adapter cannot translate moves on to the next target and leaves the first one healthy', async () => {
    const unsupported = new GatewayError({ status: 400, message: 'a: cannot send logit_bias', param: 'logit_bias', code: 'unsupported_parameter', tryOtherTargets: true });
    const a = scripted('a', [unsupported]);
    const b = scripted('b', ['ok']);
    const health = strictHealth();
    const { router } = setup([a, b], { health });
    const { target } = await router.chat(request, plan(['a/m', 'b/m']), ctx());
    expect(target.provider).toBe('b');
    expect(counted(health, 'a')).toEqual(['closed']);
    // Asked again: 'a' is still tried first (its circuit did not open).
    await router.chat(request, plan(['a/m', 'b/m']), ctx());
    expect(a.calls).toBe(2);
  });

  it('a request we could not serialise (our own failure) falls back without opening the circuit', async () => {
    const a = scripted('a', [toGatewayError(new TypeError('Do not know how to serialize a BigInt'), 'a')]);
    const b = scripted('b', ['ok']);
    const health = strictHealth();
    const { router } = setup([a, b], { health });
    expect((await router.chat(request, plan(['a/m', 'b/m']), ctx())).target.provider).toBe('b');
    expect(counted(health, 'a')).toEqual(['closed']);
  });

  it('an upstream 400 stops at once and says nothing about the deployment', async () => {
    const a = scripted('a', [upstreamHttpError('a', 400, { message: 'context too long' })]);
    const b = scripted('b', ['ok']);
    const health = strictHealth();
    const { router } = setup([a, b], { health });
    await expect(router.chat(request, plan(['a/m', 'b/m']), ctx())).rejects.toMatchObject({ status: 400 });
    expect(b.calls).toBe(0);
    expect(counted(health, 'a')).toEqual(['closed']);
  });

  it('a failure that counts opens the circuit (the strict tracker is not vacuous)', async () => {
    const a = scripted('a', [upstreamHttpError('a', 500, { message: 'boom' })]);
    const b = scripted('b', ['ok']);
    const health = strictHealth();
    const { router } = setup([a, b], { health });
    await router.chat(request, plan(['a/m', 'b/m'], { retries: 0 }), ctx());
    expect(counted(health, 'a')).toEqual(['open']);
  });
});
