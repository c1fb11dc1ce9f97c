// Active health checks: every interval, each provider's cheap probe (Provider.probe) is timed and recorded, and
// local servers (the provider kinds with a `local` discovery) that were not configured are found (or dropped) by
// asking their own endpoints.
import type { Logger } from 'pino';
import type { Metrics } from '../metrics.js';
import type { LocalDiscovery, ProviderConfig, ProviderType } from '../providers/provider.js';
import { localKinds, type ProviderRegistry } from '../providers/registry.js';
import { discardBody, readText, safeJsonParse, sendUpstream } from '../upstream/http.js';
import type { Dispatcher } from 'undici';
import { toGatewayError, type GatewayError } from '../errors.js';
import type { HealthTracker } from './health.js';

/** Where local servers are looked for, by provider type (default: each kind's base URL); tests point these at fakes. */
export type LocalUrls = Partial<Record<ProviderType, string>>;

export interface ProberOptions {
  intervalMs: number;
  /** Per probe; default min(5 s, interval). */
  timeoutMs?: number;
  discoverLocal: boolean;
  localUrls?: LocalUrls;
  /** Provider types configured explicitly: those are never discovered (nor dropped). */
  configuredTypes: ReadonlySet<ProviderType>;
  dispatcher?: Dispatcher;
  metrics?: Metrics;
  log?: Logger;
  now?: () => number;
}

/**
 * Whether a failed probe means the provider cannot serve at all: no answer, a 5xx, a malformed answer, or a key it
 * rejects (401). A 403, 404 or 429 on the listing endpoint still proves a live server (restricted keys may not
 * list models, some servers lack the endpoint): the provider stays usable and the error is reported.
 */
export function isUnreachable(err: GatewayError): boolean {
  const status = err.upstreamStatus;
  return status === undefined || status >= 500 || status === 401;
}

export class Prober {
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  private readonly abort = new AbortController();
  /** Provider ids this prober added, so only those are ever removed again. */
  private readonly discovered = new Set<string>();
  private readonly urls: LocalUrls;
  private readonly now: () => number;

  constructor(
    private readonly registry: ProviderRegistry,
    private readonly health: HealthTracker,
    private readonly options: ProberOptions,
  ) {
    this.urls = options.localUrls ?? {};
    this.now = options.now ?? Date.now;
  }

  private get timeoutMs(): number {
    return this.options.timeoutMs ?? Math.min(5_000, Math.max(this.options.intervalMs, 1_000));
  }

  /** Runs a round now and then one every interval (interval 0: only discovery and probes at start). */
  start(): Promise<void> {
    const first = this.runOnce();
    if (this.options.intervalMs > 0 && !this.timer) {
      this.timer = setInterval(() => void this.runOnce(), this.options.intervalMs);
      this.timer.unref();
    }
    return first;
  }

  /** One round: discovery first, so a server found now is probed in the same round. Rounds never overlap. */
  runOnce(): Promise<void> {
    this.round ??= (async () => {
      try {
        if (this.options.discoverLocal) await this.discover();
        await Promise.all(this.registry.all().map((p) => this.probe(p.id)));
      } catch (err) {
        this.options.log?.warn({ err: (err as Error).message }, 'probe round failed');
      } finally {
        this.round = undefined;
      }
    })();
    return this.round;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.abort.abort();
    await this.round;
  }

  private signal(): AbortSignal {
    return AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.timeoutMs)]);
  }

  async probe(id: string): Promise<void> {
    const provider = this.registry.get(id);
    if (!provider) return;
    const started = this.now();
    const nextAt = this.options.intervalMs > 0 ? started + this.options.intervalMs : undefined;
    try {
      await provider.probe(this.signal());
      this.health.recordProbe(id, { at: started, ok: true, latencyMs: this.now() - started, nextAt });
      // The model count in /health/providers and the fallback shorthand's default model read the cached list.
      if (!this.registry.cachedModels(id)) void this.registry.models(id).catch(() => undefined);
    } catch (thrown) {
      if (this.abort.signal.aborted) return;
      const err = toGatewayError(thrown, id);
      const down = isUnreachable(err);
      this.health.recordProbe(id, { at: started, ok: !down, latencyMs: this.now() - started, error: err.message, nextAt });
      if (down) this.options.log?.warn({ provider: id, err: err.message }, 'provider probe failed');
    }
    const result = this.health.lastProbe(id);
    if (result) this.options.metrics?.observeProbe(id, result.ok, result.latencyMs);
  }

  private async discover(): Promise<void> {
    await Promise.all(
      localKinds()
        .filter((kind) => !this.options.configuredTypes.has(kind.type) && (!kind.discovery.onlyAtConfiguredUrl || this.urls[kind.type] !== undefined))
        .map(async (kind) => {
          const baseUrl = this.urls[kind.type] ?? kind.baseUrl;
          const present = await this.answers(baseUrl + kind.discovery.path, kind.type, kind.discovery);
          const id = kind.type;
          if (present && !this.registry.has(id)) {
            const config: ProviderConfig = { id, type: kind.type, baseUrl };
            this.registry.add(config);
            this.discovered.add(id);
            this.options.log?.info({ provider: id, baseUrl }, 'local provider found');
            await this.registry.models(id).catch(() => undefined);
          } else if (!present && this.discovered.has(id)) {
            this.registry.remove(id);
            this.health.forget(id);
            this.discovered.delete(id);
            this.options.metrics?.forgetProvider(id);
            this.options.log?.info({ provider: id, baseUrl }, 'local provider gone');
          }
        }),
    );
  }

  private async answers(url: string, type: ProviderType, discovery: LocalDiscovery): Promise<boolean> {
    try {
      const res = await sendUpstream({
        provider: type,
        method: 'GET',
        url,
        signal: this.signal(),
        dispatcher: this.options.dispatcher,
        headersTimeoutMs: this.timeoutMs,
        bodyTimeoutMs: this.timeoutMs,
      });
      if (res.status !== 200) {
        discardBody(res);
        return false;
      }
      return discovery.looksRight(safeJsonParse(await readText(res, type)));
    } catch {
      return false;
    }
  }
}
