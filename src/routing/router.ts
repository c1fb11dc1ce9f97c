// Runs one request against a route plan: capability filter, breaker skip, rounds over the targets with retries,
// backoff (honouring Retry-After), fallback, first-token and total timeouts. Records every attempt.
import { setTimeout as sleep } from 'node:timers/promises';
import { GatewayError, invalidRequest, noProviderAvailable, toGatewayError } from '../errors.js';
import type { CallOptions, ChatStreamEvent, Provider } from '../providers/provider.js';
import type { ProviderRegistry } from '../providers/registry.js';
import type { ChatRequest } from '../schemas/chat-request.js';
import type { ChatCompletion } from '../schemas/chat-response.js';
import type { HealthTracker } from './health.js';
import { describeNeeds, needsOf, orderTargets, satisfies } from './order.js';
import type { RoutePlan, Target } from './resolve.js';

export interface AttemptRecord {
  provider: string;
  model: string;
  startedAt: Date;
  latencyMs: number;
  /** HTTP status the upstream answered (or the mapped status of a transport failure); null on success paths without one. */
  status: number | null;
  error?: string;
  errorCode?: string;
}

export interface RouterObserver {
  attempt?(record: AttemptRecord, outcome: 'success' | 'failure'): void;
  retry?(target: Target): void;
  fallback?(from: Target, to: Target): void;
}

export interface RunContext {
  /** Aborted when the client goes away. */
  signal: AbortSignal;
  attempts: AttemptRecord[];
}

export interface StreamHandle {
  target: Target;
  first: ChatStreamEvent;
  rest: AsyncIterator<ChatStreamEvent>;
  /** Upstream wait until the first event arrived. */
  upstreamMs: number;
  /** Call once the stream ended: with an error if it failed after the first event. Releases the upstream. */
  finish(error?: GatewayError): void;
}

interface Attempted<T> {
  value: T;
  target: Target;
  upstreamMs: number;
  controller: AbortController;
}

const clientClosed = () => new GatewayError({ status: 499, message: 'client closed the request', code: 'client_closed', retryable: false, fallback: false });

export class Router {
  constructor(
    private readonly registry: ProviderRegistry,
    private readonly health: HealthTracker,
    private readonly observer: RouterObserver = {},
  ) {}

  async chat(request: ChatRequest, plan: RoutePlan, ctx: RunContext): Promise<{ completion: ChatCompletion; target: Target; upstreamMs: number }> {
    const result = await this.run(request, plan, ctx, (provider, target, options) => provider.chat(request, target.model, options));
    this.health.onSuccess(result.target.provider, result.target.model, result.upstreamMs);
    return { completion: result.value, target: result.target, upstreamMs: result.upstreamMs };
  }

  /** Opens a stream and waits for its first event, so anything that fails before then can still fall back. */
  async stream(request: ChatRequest, plan: RoutePlan, ctx: RunContext): Promise<StreamHandle> {
    const firstTokenMs = plan.settings.first_token_timeout_ms;
    const result = await this.run(request, plan, ctx, async (provider, target, options, controller) => {
      const iterator = (await provider.chatStream(request, target.model, options))[Symbol.asyncIterator]();
      const timer = setTimeout(() => controller.abort(new GatewayError({ status: 504, message: `${target.provider}: no first token within ${firstTokenMs} ms`, code: 'first_token_timeout', provider: target.provider })), firstTokenMs);
      try {
        const first = await iterator.next();
        if (first.done) throw new GatewayError({ status: 502, message: `${target.provider}: empty stream`, code: 'upstream_stream_truncated', provider: target.provider });
        return { first: first.value, iterator };
      } catch (err) {
        void iterator.return?.();
        throw err;
      } finally {
        clearTimeout(timer);
      }
    });
    const { target, controller } = result;
    let finished = false;
    return {
      target,
      first: result.value.first,
      rest: result.value.iterator,
      upstreamMs: result.upstreamMs,
      finish: (error) => {
        if (finished) return;
        finished = true;
        if (!error) this.health.onSuccess(target.provider, target.model, result.upstreamMs);
        else if (error.code === 'client_closed') this.health.release(target.provider, target.model);
        else this.health.onFailure(target.provider, target.model, error.message);
        controller.abort();
        void result.value.iterator.return?.();
      },
    };
  }

  private candidates(request: ChatRequest, plan: RoutePlan): Array<{ target: Target; provider: Provider }> {
    const needs = needsOf(request);
    const known = plan.targets
      .map((target) => ({ target, provider: this.registry.get(target.provider) }))
      .filter((c): c is { target: Target; provider: Provider } => c.provider !== undefined);
    const able = known.filter((c) => satisfies(c.provider.capabilities(c.target.model), needs));
    if (able.length === 0) {
      throw invalidRequest(`No target of '${plan.requested}' supports this request (${describeNeeds(needs)})`, 'model', 'unsupported_capability');
    }
    const byKey = new Map(able.map((c) => [`${c.target.provider}/${c.target.model}`, c]));
    return orderTargets({ ...plan, targets: able.map((c) => c.target) }, (t) => this.health.latency(t.provider, t.model)).map(
      (t) => byKey.get(`${t.provider}/${t.model}`)!,
    );
  }

  private async run<T>(
    request: ChatRequest,
    plan: RoutePlan,
    ctx: RunContext,
    call: (provider: Provider, target: Target, options: CallOptions, controller: AbortController) => Promise<T>,
  ): Promise<Attempted<T>> {
    const settings = plan.settings;
    const candidates = this.candidates(request, plan);
    const deadline = Date.now() + settings.timeout_ms;
    const totalTimeout = AbortSignal.timeout(settings.timeout_ms);
    const overall = AbortSignal.any([ctx.signal, totalTimeout]);
    const dead = new Set<Target>();
    let lastError: GatewayError | undefined;
    let previous: Target | undefined;
    let anyTried = false;

    for (let round = 0; round <= settings.retries; round++) {
      let waitMs = 0;
      for (const { target, provider } of candidates) {
        if (dead.has(target)) continue;
        if (!this.health.tryAcquire(target.provider, target.model)) continue;
        if (previous && previous !== target) this.observer.fallback?.(previous, target);
        else if (previous === target) this.observer.retry?.(target);
        previous = target;
        anyTried = true;

        const controller = new AbortController();
        const onAbort = () => controller.abort(overall.reason);
        overall.addEventListener('abort', onAbort, { once: true });
        const startedAt = new Date();
        const remaining = Math.max(1, deadline - Date.now());
        try {
          const value = await call(provider, target, {
            signal: controller.signal,
            firstByteTimeoutMs: Math.min(settings.first_token_timeout_ms, remaining),
            idleTimeoutMs: settings.idle_timeout_ms,
          }, controller);
          const upstreamMs = Date.now() - startedAt.getTime();
          this.record(ctx, { provider: target.provider, model: target.model, startedAt, latencyMs: upstreamMs, status: 200 }, 'success');
          return { value, target, upstreamMs, controller };
        } catch (thrown) {
          overall.removeEventListener('abort', onAbort);
          controller.abort();
          const err = this.classify(thrown, controller, ctx, totalTimeout, settings.timeout_ms);
          this.record(ctx, { provider: target.provider, model: target.model, startedAt, latencyMs: Date.now() - startedAt.getTime(), status: err.upstreamStatus ?? err.status, error: err.message, errorCode: err.code ?? undefined }, 'failure');
          if (err.code === 'client_closed') {
            this.health.release(target.provider, target.model);
            throw err;
          }
          if (!err.fallbackable) {
            this.health.release(target.provider, target.model);
            throw err;
          }
          this.health.onFailure(target.provider, target.model, err.message);
          lastError = err;
          if (err.code === 'total_timeout') throw err;
          if (!err.retryable) dead.add(target);
          const hinted = err.retryAfter !== undefined ? err.retryAfter * 1000 : 0;
          // A Retry-After longer than we are willing to wait makes this target useless for this request.
          if (hinted > settings.max_retry_after_ms) dead.add(target);
          else waitMs = Math.max(waitMs, hinted);
        }
      }
      if (round === settings.retries || !lastError) break;
      if (candidates.every((c) => dead.has(c.target))) break;
      const backoff = settings.backoff_base_ms * 2 ** round * (0.5 + Math.random());
      const wait = Math.max(waitMs, backoff);
      if (Date.now() + wait >= deadline) break;
      try {
        await sleep(wait, undefined, { signal: overall });
      } catch {
        throw ctx.signal.aborted ? clientClosed() : lastError;
      }
    }
    if (lastError) throw lastError;
    if (!anyTried) {
      const retryAfterMs = Math.min(...candidates.map((c) => this.health.retryAfterMs(c.target.provider, c.target.model)));
      throw noProviderAvailable(plan.requested, Math.max(1, Math.ceil(retryAfterMs / 1000)));
    }
    throw new GatewayError({ status: 502, message: 'no upstream answered', code: 'upstream_error' });
  }

  private classify(thrown: unknown, controller: AbortController, ctx: RunContext, total: AbortSignal, totalMs: number): GatewayError {
    if (ctx.signal.aborted) return clientClosed();
    if (total.aborted) return new GatewayError({ status: 504, message: `request exceeded the total timeout of ${totalMs} ms`, code: 'total_timeout', retryable: false, fallback: true });
    const reason: unknown = controller.signal.reason;
    if (reason instanceof GatewayError) return reason;
    return toGatewayError(thrown);
  }

  private record(ctx: RunContext, record: AttemptRecord, outcome: 'success' | 'failure'): void {
    ctx.attempts.push(record);
    this.observer.attempt?.(record, outcome);
  }
}
