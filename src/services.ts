// Wires config into the running pieces (registry, router, health, log store and writer, metrics) for buildApp.
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Deps } from './deps.js';
import { KeyDirectory } from './keys/directory.js';
import { createEnforcer } from './keys/enforcement.js';
import { KeyStore } from './keys/store.js';
import { redactSecretsInLogs } from './logger.js';
import { Metrics } from './metrics.js';
import { createImageFetcher, type ImageFetcher } from './providers/shared/images.js';
import { ProviderRegistry } from './providers/registry.js';
import { openLogDatabase } from './request-log/db.js';
import { makeRedactor } from './redact.js';
import { LogStore } from './request-log/store.js';
import { LogWriter, type WriterOptions } from './request-log/writer.js';
import { HealthTracker } from './routing/health.js';
import { Prober } from './routing/prober.js';
import { ModelResolver } from './routing/resolve.js';
import { Router } from './routing/router.js';
import { followDegraded, stateFromConfig } from './state/from-config.js';
import type { StatePort } from './state/port.js';
import { createPriceBook } from './usage/cost.js';
import { proxiesSeenFromContainer } from './upstream/container-proxy.js';
import { createDispatcher } from './upstream/http.js';
import type { Dispatcher } from 'undici';

export interface Services extends Deps {
  dispatcher: Dispatcher;
  /** Active probes and local discovery; main starts it (tests run rounds themselves), close stops it. */
  prober: Prober;
  close(): Promise<void>;
}

export interface ServiceOptions {
  writer?: WriterOptions;
  /** Skip Node's default process metrics (tests build many apps in one process). */
  defaultMetrics?: boolean;
  pgliteTemplate?: Blob;
  /** Tests only: how adapters fetch remote image URLs (e.g. one that may reach a loopback http server). */
  fetchImage?: ImageFetcher;
  /** The state port to use (tests: a Redis adapter shared by two gateways); default: in process. Closed by close. */
  state?: StatePort;
}

export async function createServices(config: Config, log: Logger, options: ServiceOptions = {}): Promise<Services> {
  // First, so nothing below can log a key before the scrubber knows it.
  const secrets = [...config.apiKeys, ...(config.adminKey ? [config.adminKey] : []), ...config.providers.map((p) => p.apiKey)];
  const redact = makeRedactor(secrets);
  redactSecretsInLogs(log, secrets);
  for (const notice of config.envNotices) log.warn(notice.fields, notice.message);
  const envProxy = await proxiesSeenFromContainer(config, log);
  const dispatcher = createDispatcher({ connectTimeoutMs: config.routing.connect_timeout_ms, envProxy, maxConnections: config.upstreamMaxConnections });
  // One guarded fetcher for every adapter, PDFs included (Gemini reads them; the others refuse non-images).
  const fetchImage = options.fetchImage ?? createImageFetcher({ provider: 'gateway', allowPdf: true, policy: config.imageFetch });
  const registry = ProviderRegistry.fromConfigs(config.providers, { dispatcher, fetchImage }, log);
  const health = new HealthTracker(config.breaker);
  const metrics = new Metrics(options.defaultMetrics ?? true);
  metrics.models.useCatalogue(registry, config.routes);
  health.onStateChange((provider, model, state) => log.warn({ provider, model, state }, 'circuit state changed'));
  const prober = new Prober(registry, health, {
    intervalMs: config.probeIntervalMs,
    discoverLocal: config.discoverLocal && !config.mockMode,
    configuredTypes: new Set(config.providers.map((p) => p.type)),
    localUrls: config.localUrls,
    dispatcher,
    metrics,
    log,
  });
  const router = new Router(registry, health, metrics);
  const resolver = new ModelResolver(config, registry);
  const database = await openLogDatabase({ databaseUrl: config.databaseUrl, pgliteDir: config.pgliteDir, pgliteTemplate: options.pgliteTemplate });
  const logStore = new LogStore(database);
  const logWriter = new LogWriter(logStore, log, { spillDir: config.logSpillDir, ...options.writer });
  const state = options.state ?? (await stateFromConfig(config.state, log, metrics));
  const stopFollowing = followDegraded(state, metrics);
  const keys = config.adminKey ? new KeyDirectory(new KeyStore(database.db), state) : undefined;
  await keys?.start();
  const enforcement = keys ? createEnforcer(config, state, database.db, metrics, log) : undefined;

  return {
    config,
    registry,
    resolver,
    router,
    health,
    metrics,
    logStore,
    logWriter,
    redact,
    state,
    keys,
    enforcer: enforcement?.enforcer,
    prices: createPriceBook(config.prices),
    dispatcher,
    prober,
    async close() {
      await prober.stop();
      enforcement?.close();
      await keys?.close();
      await logWriter.close();
      await logStore.close();
      await registry.close();
      await dispatcher.close();
      stopFollowing();
      await state.close();
    },
  };
}
