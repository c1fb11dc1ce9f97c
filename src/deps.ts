// Everything routes need, built once in main (or a test) and handed to buildApp explicitly.
import type { Config } from './config.js';
import type { KeyDirectory } from './keys/directory.js';
import type { Enforcer } from './keys/enforcer.js';
import type { Metrics } from './metrics.js';
import type { ProviderRegistry } from './providers/registry.js';
import type { Redactor } from './redact.js';
import type { LogStore } from './request-log/store.js';
import type { LogWriter } from './request-log/writer.js';
import type { HealthTracker } from './routing/health.js';
import type { ModelResolver } from './routing/resolve.js';
import type { Router } from './routing/router.js';
import type { StatePort } from './state/port.js';
import type { PriceBook } from './usage/cost.js';

export interface Deps {
  config: Config;
  registry: ProviderRegistry;
  resolver: ModelResolver;
  router: Router;
  health: HealthTracker;
  metrics: Metrics;
  logStore: LogStore;
  logWriter: LogWriter;
  redact: Redactor;
  /** Counters and buckets (rate limits) shared by every replica when Redis backs them; in process otherwise. */
  state: StatePort;
  /** Virtual keys and teams: present when GATEWAY_ADMIN_KEY is set (without it no virtual key can be made). */
  keys: KeyDirectory | undefined;
  /** A virtual key's and its team's RPM, TPM, parallel and budget limits (present with `keys`). */
  enforcer: Enforcer | undefined;
  /** The price table (the repo's, with the config file's `prices:` over it) that every log row's cost comes from. */
  prices: PriceBook;
}
