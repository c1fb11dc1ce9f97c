// Wires config into the running pieces (registry, router, health, log store and writer, metrics) for buildApp.
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Deps } from './deps.js';
import { Metrics } from './metrics.js';
import { ProviderRegistry } from './providers/registry.js';
import { openLogDatabase } from './request-log/db.js';
import { makeRedactor } from './request-log/entry.js';
import { LogStore } from './request-log/store.js';
import { LogWriter, type WriterOptions } from './request-log/writer.js';
import { HealthTracker } from './routing/health.js';
import { ModelResolver } from './routing/resolve.js';
import { Router } from './routing/router.js';
import { createDispatcher } from './upstream/http.js';
import type { Dispatcher } from 'undici';

export interface Services extends Deps {
  dispatcher: Dispatcher;
  close(): Promise<void>;
}

export interface ServiceOptions {
  writer?: WriterOptions;
  /** Skip Node's default process metrics (tests build many apps in one process). */
  defaultMetrics?: boolean;
  pgliteTemplate?: Blob;
}

export async function createServices(config: Config, log: Logger, options: ServiceOptions = {}): Promise<Services> {
  const dispatcher = createDispatcher({ connectTimeoutMs: config.routing.connect_timeout_ms });
  const registry = ProviderRegistry.fromConfigs(config.providers, { dispatcher }, log);
  const health = new HealthTracker();
  const metrics = new Metrics(options.defaultMetrics ?? true);
  health.onStateChange((provider, model, state) => {
    metrics.breakerState.set({ provider, model }, state === 'closed' ? 0 : state === 'half-open' ? 1 : 2);
    log.warn({ provider, model, state }, 'circuit state changed');
  });
  const router = new Router(registry, health, metrics);
  const resolver = new ModelResolver(config, registry);
  const database = await openLogDatabase({ databaseUrl: config.databaseUrl, pgliteDir: config.pgliteDir, pgliteTemplate: options.pgliteTemplate });
  const logStore = new LogStore(database);
  const logWriter = new LogWriter(logStore, log, { spillDir: config.logSpillDir, ...options.writer });
  const redact = makeRedactor([...config.apiKeys, ...config.providers.map((p) => p.apiKey)]);

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
    dispatcher,
    async close() {
      await logWriter.close();
      await logStore.close();
      await registry.close();
      await dispatcher.close();
    },
  };
}
