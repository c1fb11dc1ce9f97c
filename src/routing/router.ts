// Runs one request against a route plan: capability filter, health skip, rounds over the targets with retries,
// backoff (honouring Retry-After), fallback, and the four timeouts (connect, first token, idle, total).
// Records every attempt.
import { setTimeout as sleep } from 'node:timers/promises';
import { attemptFailure, endedBy, GatewayError, invalidRequest, noProviderAvailable } from '../errors.js';
import type { CallOptions, ChatStreamEvent, PassthroughAnswer, Provider, TokenCountRequest } from '../providers/provider.js';
import type { ProviderRegistry } from '../providers/registry.js';
import type { ChatRequest } from '../schemas/chat-request.js';
import type { ChatCompletion } from '../schemas/chat-response.js';
import type { EmbeddingsRequest, EmbeddingsResponse } from '../schemas/embeddings.js';
import { withConnectTimeout } from '../upstream/http.js';
import { AttemptController, firstTokenTimer, neverLeftGateway } from '../upstream/send-watch.js';
import type { HealthTracker } from './health.js';
import { Deadline } from './deadline.js';
import type { AttemptRecord, RouterObserver, RouterOptions, RunContext } from './router-types.js';
import { describeNeeds, needsOf, orderTargets, satisfies } from './order.js';
import type { RoutePlan, Target } from './resolve.js';
import { relayHandle, type RelayHandle } from './relay-handle.js';
import { streamHandle, type StreamHandle } from './stream-handle.js';

export type { StreamHandle } from './stream-handle.js';
export type { AttemptRecord, RouterObserver, RouterOptions, RunContext } from './router-types.js';

/** A successful attempt, still holding the upstream: its abort controller and the listener tying it to the request. */
export interface Attempted<T> {
  value: T;
  target: Target;
  record: AttemptRecord;
  upstreamMs: number;
  controller: AbortController;
  /** Unties the upstream from the request's signals (call once the upstream is done). */
  detach(): void;
  /** Any failure of this upstream (now or later, mid-stream) → the GatewayError that explains it. */
  classify(thrown: unknown): GatewayError;
}

/** Which deployments can serve a request at all (capability routing), and what to say when none can. */
interface TargetFilter {
  accepts(provider: Provider, model: string): boolean;
  needs: string;
}

function chatFilter(request: ChatRequest): TargetFilter {
  const needs = needsOf(request);
  return { accepts: (provider, model) => satisfies(provider.capabilities(model), needs), needs: describeNeeds(needs) };
}

type Call<T> = (provider: Provider, target: Target, options: CallOptions, controller: AbortController) => Promise<T>;

const speaks = (provider: Provider, dialect: string) => provider.passthrough !== undefined && provider.passthroughDialects?.includes(dialect) === true;

const defaultSleep = (ms: number, signal: AbortSignal) => sleep(ms, undefined, { signal });

/** A plan split for a dialect: the deployments speaking it (relayed) and the others (translated, the fallback). */
export interface RelaySplit {
  native: RoutePlan;
  translated: RoutePlan | undefined;
}

export class Router {
  private readonly random: () => number;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;

  constructor(
    private readonly registry: ProviderRegistry,
    private readonly health: HealthTracker,
    private readonly observer: RouterObserver = {},
    options: RouterOptions = {},
  ) {
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? defaultSleep;
  }

  async chat(request: ChatRequest, plan: RoutePlan, ctx: RunContext): Promise<{ completion: ChatCompletion; target: Target }> {
    const result = this.settled(await this.run(chatFilter(request), plan, ctx, (provider, target, options) => provider.chat(request, target.model, options)));
    return { completion: result.value, target: result.target };
  }

  /** Embeddings get the same retries, fallback, breakers, timeouts and attempt records as chat. */
  async embeddings(request: EmbeddingsRequest, plan: RoutePlan, ctx: RunContext): Promise<{ response: EmbeddingsResponse; target: Target }> {
    const filter: TargetFilter = { accepts: (provider, model) => provider.embeddings !== undefined && provider.capabilities(model).embeddings, needs: 'embeddings' };
    const result = this.settled(await this.run(filter, plan, ctx, (provider, target, options) => provider.embeddings!(request, target.model, options)));
    return { response: result.value, target: result.target };
  }

  /**
   * Opens a stream and waits for its first event, so anything that fails before then (the first-token timeout
   * included, which also covers the wait for response headers) can still fall back.
   */
  async stream(request: ChatRequest, plan: RoutePlan, ctx: RunContext): Promise<StreamHandle> {
    const firstTokenMs = plan.settings.first_token_timeout_ms;
    const result = await this.run(chatFilter(request), plan, ctx, async (provider, target, options, controller) => {
      // Timed from when the request is written, not from when it began waiting for a pooled connection.
      const timer = firstTokenTimer(controller.signal, firstTokenMs, () =>
        controller.abort(new GatewayError({ status: 504, message: `${target.provider}: no first token within ${firstTokenMs} ms`, code: 'first_token_timeout', provider: target.provider })),
      );
      let iterator: AsyncIterator<ChatStreamEvent> | undefined;
      try {
        iterator = (await provider.chatStream(request, target.model, options))[Symbol.asyncIterator]();
        const first = await iterator.next();
        if (first.done) throw new GatewayError({ status: 502, message: `${target.provider}: empty stream`, code: 'upstream_stream_truncated', provider: target.provider });
        return { first: first.value, iterator };
      } catch (err) {
        void iterator?.return?.().catch(() => undefined);
        throw err;
      } finally {
        timer.cancel();
      }
    });
    return streamHandle(result, plan.settings.idle_timeout_ms, this.health);
  }

  /**
   * The upstream's own input-token count, with the retries, fallback, breakers and timeouts of any other call; only
   * deployments with a counting endpoint are tried. Undefined when the plan has none (the caller estimates).
   */
  async countTokens(request: TokenCountRequest, plan: RoutePlan, ctx: RunContext): Promise<{ inputTokens: number; target: Target } | undefined> {
    if (!plan.targets.some((t) => this.registry.get(t.provider)?.countTokens)) return undefined;
    const filter: TargetFilter = { accepts: (provider) => provider.countTokens !== undefined, needs: 'token counting' };
    const result = this.settled(await this.run(filter, plan, ctx, (provider, target, options) => provider.countTokens!(request, target.model, options)));
    return { inputTokens: result.value, target: result.target };
  }

  /**
   * A native pass-through: only deployments speaking the dialect are tried, each with the body's model rewritten
   * to its own; the caller relays the answer's body and calls `finish` once it has ended.
   */
  async passthrough(dialect: string, body: Record<string, unknown>, headers: Record<string, string>, plan: RoutePlan, ctx: RunContext): Promise<RelayHandle> {
    const filter: TargetFilter = { accepts: (provider) => speaks(provider, dialect), needs: `the ${dialect} dialect natively` };
    const result = await this.run<PassthroughAnswer>(filter, plan, ctx, (provider, target, options) =>
      provider.passthrough!(dialect, { ...body, model: target.model }, headers, options),
    );
    return relayHandle(result, this.health);
  }

  /**
   * How a request in this dialect goes out: undefined when the plan's first known deployment does not speak it
   * natively (translate for all); else the deployments that do (relayed), and the others (translated, tried only
   * when every native one failed, so a mixed plan keeps its fallback).
   */
  relayPlan(dialect: string, plan: RoutePlan): RelaySplit | undefined {
    const native: Target[] = [];
    const translated: Target[] = [];
    for (const target of plan.targets) {
      const provider = this.registry.get(target.provider);
      if (provider === undefined) continue;
      (speaks(provider, dialect) ? native : translated).push(target);
    }
    const first = plan.targets.find((t) => this.registry.get(t.provider) !== undefined);
    if (first === undefined || !native.includes(first)) return undefined;
    return { native: { ...plan, targets: native }, translated: translated.length > 0 ? { ...plan, targets: translated } : undefined };
  }

  /** A fallback across runs (the relayed deployments all failed, a translated one is tried): counted as any other. */
  fellBack(from: Target, to: Target): void {
    this.observer.fallback?.(from, to);
  }

  /** A one-shot call's success: the upstream is done with, and its health hears of it. */
  private settled<T>(result: Attempted<T>): Attempted<T> {
    result.detach();
    this.health.onSuccess(result.target.provider, result.target.model, result.upstreamMs);
    return result;
  }

  private candidates(filter: TargetFilter, plan: RoutePlan): Array<{ target: Target; provider: Provider }> {
    const known = plan.targets
      .map((target) => ({ target, provider: this.registry.get(target.provider) }))
      .filter((c): c is { target: Target; provider: Provider } => c.provider !== undefined);
    if (known.length === 0) throw noProviderAvailable(plan.requested, 1);
    const able = known.filter((c) => filter.accepts(c.provider, c.target.model));
    if (able.length === 0) {
      throw invalidRequest(`No target of '${plan.requested}' supports this request (${filter.needs})`, 'model', 'unsupported_capability');
    }
    const byKey = new Map(able.map((c) => [`${c.target.provider}/${c.target.model}`, c]));
    return orderTargets({ ...plan, targets: able.map((c) => c.target) }, (t) => this.health.latency(t.provider, t.model), this.random).map(
      (t) => byKey.get(`${t.provider}/${t.model}`)!,
    );
  }

  /** One frame for the whole run (a frame per level stays suspended for the upstream wait of every request). */
  private async run<T>(filter: TargetFilter, plan: RoutePlan, ctx: RunContext, call: Call<T>): Promise<Attempted<T>> {
    const settings = plan.settings;
    const candidates = this.candidates(filter, plan);
    const total = new Deadline(ctx.signal, settings.timeout_ms);
    const deadline = total.endsAt;
    const dead = new Set<Target>();
    const tried = new Set<Target>();
    let lastError: GatewayError | undefined;
    let previous: Target | undefined;
    let failedAt: { target: Target; at: number } | undefined;

    try {
      for (let round = 0; round <= settings.retries; round++) {
        let waitMs = 0;
        for (const { target, provider } of candidates) {
          if (dead.has(target)) continue;
          if (total.ended) throw this.classify(undefined, undefined, ctx, total);
          if (!this.health.tryAcquire(target.provider, target.model)) continue;
          if (tried.has(target)) this.observer.retry?.(target);
          else if (previous) this.observer.fallback?.(previous, target);
          previous = target;
          tried.add(target);

          const controller = new AttemptController();
          total.bind(controller);
          const classify = (thrown: unknown) => this.classify(thrown, controller, ctx, total, target.provider);
          const startedAt = new Date();
          const remaining = Math.max(1, deadline - Date.now());
          const options: CallOptions = {
            signal: controller.signal,
            firstByteTimeoutMs: Math.min(settings.first_token_timeout_ms, remaining),
            idleTimeoutMs: settings.idle_timeout_ms,
          };
          try {
            const connectMs = plan.connectTimeoutOverrideMs;
            const value =
              connectMs === undefined
                ? await call(provider, target, options, controller)
                : await withConnectTimeout(Math.min(connectMs, remaining), () => call(provider, target, options, controller));
            const upstreamMs = Date.now() - startedAt.getTime();
            const record: AttemptRecord = { provider: target.provider, model: target.model, startedAt, latencyMs: upstreamMs, status: 200 };
            this.record(ctx, record, 'success');
            if (failedAt && failedAt.target !== target) this.observer.fallbackSwitch?.(target, Date.now() - failedAt.at);
            const detach = () => {
              total.unbind(controller);
              total.dispose();
            };
            return { value, target, record, upstreamMs, controller, detach, classify };
          } catch (thrown) {
            total.unbind(controller);
            const err = classify(thrown);
            const unsent = neverLeftGateway(controller.signal);
            controller.abort();
            const endedAt = Date.now();
            failedAt = { target, at: endedAt };
            this.record(ctx, { provider: target.provider, model: target.model, startedAt, latencyMs: endedAt - startedAt.getTime(), status: err.upstreamStatus ?? err.status, error: err.message, errorCode: err.code ?? undefined }, 'failure');
            // An attempt that ended while still waiting for a pooled connection never reached the upstream: it says
            // nothing about the deployment and another target would wait the same way.
            if (err.countsAgainstHealth && !unsent) this.health.onFailure(target.provider, target.model, err.message);
            else this.health.release(target.provider, target.model);
            if (!err.tryOtherTargets || unsent) throw err;
            lastError = err;
            if (!err.retrySameTarget) dead.add(target);
            const hinted = err.retryAfter !== undefined ? err.retryAfter * 1000 : 0;
            // A Retry-After longer than we are willing to wait makes this target useless for this request.
            if (hinted > settings.max_retry_after_ms) dead.add(target);
            else waitMs = Math.max(waitMs, hinted);
          }
        }
        if (round === settings.retries || !lastError) break;
        if (candidates.every((c) => dead.has(c.target))) break;
        const backoff = settings.backoff_base_ms * 2 ** round * (0.5 + this.random());
        const wait = Math.max(waitMs, backoff);
        // A wait that would end past the total timeout cannot help: answer now with what we know.
        if (Date.now() + wait >= deadline) break;
        await this.backOff(wait, total, ctx, lastError);
      }
      if (lastError) throw lastError;
      // Nothing was tried: every candidate is skipped as unhealthy (circuit open, or its provider's probe failed).
      const retryAfterMs = Math.min(...candidates.map((c) => this.health.retryAfterMs(c.target.provider, c.target.model)));
      throw noProviderAvailable(plan.requested, Math.max(1, Math.ceil(retryAfterMs / 1000)));
    } catch (err) {
      total.dispose();
      throw err;
    }
  }

  private async backOff(wait: number, total: Deadline, ctx: RunContext, lastError: GatewayError): Promise<void> {
    const waiting = new AbortController();
    total.bind(waiting);
    try {
      await this.sleep(wait, waiting.signal);
    } catch {
      throw ctx.signal.aborted ? endedBy(ctx.signal) : lastError;
    } finally {
      total.unbind(waiting);
    }
  }

  private classify(thrown: unknown, controller: AbortController | undefined, ctx: RunContext, total: Deadline, provider?: string): GatewayError {
    const end = { clientAborted: ctx.signal.aborted, clientReason: ctx.signal.reason, totalTimedOutMs: total.timedOut ? total.ms : undefined, abortReason: controller?.signal.reason };
    return attemptFailure(thrown, end, provider);
  }

  private record(ctx: RunContext, record: AttemptRecord, outcome: 'success' | 'failure'): void {
    ctx.attempts.push(record);
    this.observer.attempt?.(record, outcome);
  }
}
