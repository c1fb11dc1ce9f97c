// Environment (and .env) plus the optional GATEWAY_CONFIG file → one validated Config. Bad values stop start-up
// with a message naming the variable.
import { readFileSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { applyEnvAliases, type EnvNotice } from './config-env-aliases.js';
import { stateConfig, type StateConfig } from './config-state.js';
import { bool, ConfigError, int, list } from './config-values.js';
import type { ImageFetchPolicy } from './providers/shared/images.js';
import type { ProviderConfig } from './providers/provider.js';
import { PROVIDER_TYPES, providerKind, providersFromEnv } from './providers/registry.js';
import type { BreakerSettings } from './routing/circuit-breaker.js';
import type { LocalUrls } from './routing/prober.js';
import { envProxySettings, type ProxySettings } from './upstream/container-proxy.js';
import { priceOverridesSchema, type PriceOverrides } from './usage/prices.js';

export { ConfigError };

// No zod defaults here: zod 4 fills defaults even inside .partial(), which would make a route's partial
// `routing:` block silently reset every setting it does not name. Defaults are applied once, below.
const routingSchema = z.object({
  retries: z.number().int().min(0).max(10),
  timeout_ms: z.number().int().positive(),
  first_token_timeout_ms: z.number().int().positive(),
  idle_timeout_ms: z.number().int().positive(),
  connect_timeout_ms: z.number().int().positive(),
  backoff_base_ms: z.number().int().min(0),
  max_retry_after_ms: z.number().int().min(0),
});
export type RoutingSettings = z.infer<typeof routingSchema>;

export const DEFAULT_ROUTING: RoutingSettings = {
  retries: 2,
  timeout_ms: 120_000,
  first_token_timeout_ms: 30_000,
  idle_timeout_ms: 30_000,
  connect_timeout_ms: 10_000,
  backoff_base_ms: 200,
  max_retry_after_ms: 10_000,
};

// Circuit breaker per deployment (provider + model); see src/routing/circuit-breaker.ts.
const breakerSchema = z.object({
  failure_threshold: z.number().int().min(1).default(5),
  failure_ratio: z.number().gt(0).max(1).default(0.5),
  min_requests: z.number().int().min(1).default(10),
  window_ms: z.number().int().positive().default(60_000),
  cooldown_ms: z.number().int().positive().default(30_000),
});

const targetSchema = z.union([
  z.string().min(1).transform((model) => ({ model, weight: 1 })),
  z.object({ model: z.string().min(1), weight: z.number().positive().default(1) }),
]);

const modelRouteSchema = z.object({
  name: z.string().min(1),
  strategy: z.enum(['fallback', 'loadbalance', 'least-latency']).default('fallback'),
  targets: z.array(targetSchema).min(1),
  routing: routingSchema.partial().optional(),
});
export type ModelRoute = z.infer<typeof modelRouteSchema>;

const fileProviderSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/i, 'ids are letters, digits, . _ -'),
  type: z.enum(PROVIDER_TYPES),
  base_url: z.string().url().optional(),
  api_key: z.string().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  models: z.array(z.string()).optional(),
  proxy: z.string().url().optional(),
  /** Connections this provider's pool may open to its origin (requests beyond wait for one, untimed). */
  max_connections: z.number().int().positive().optional(),
  options: z.record(z.string(), z.string()).optional(),
});

const fileSchema = z.object({
  providers: z.array(fileProviderSchema).default([]),
  models: z.array(modelRouteSchema).default([]),
  routing: routingSchema.partial().default({}),
  breaker: breakerSchema.partial().default({}),
  prices: priceOverridesSchema.default({}),
});

export interface Config {
  port: number;
  host: string;
  /** Every key the gateway accepts, GATEWAY_ADMIN_KEY included. */
  apiKeys: string[];
  /** GATEWAY_ADMIN_KEY: the one key that reaches /admin/*, and reads every key's history and sessions. */
  adminKey: string | undefined;
  /** CONSOLE_SESSION_SECRET: signs console session cookies; unset → random per process (sessions end on restart). */
  consoleSessionSecret: string | undefined;
  allowNoAuth: boolean;
  logLevel: string;
  databaseUrl: string | undefined;
  pgliteDir: string;
  logBodies: boolean;
  mockMode: boolean;
  providers: ProviderConfig[];
  routes: ModelRoute[];
  fallbackOrder: string[];
  fallbackEnabled: boolean;
  defaultModel: string | undefined;
  routing: RoutingSettings;
  breaker: BreakerSettings;
  /** Active health probes (and local-provider discovery) every this many ms; 0 = off. */
  probeIntervalMs: number;
  bodyLimitBytes: number;
  /** MAX_JSON_DEPTH: a request body nested deeper is refused with 400 before it is parsed. */
  maxJsonDepth: number;
  rateLimitRpm: number;
  /** SESSION_CONTEXT_TOKENS: how much of a session's earlier turns the simple API and /ws prepend (chars/4 estimate). */
  sessionContextTokens: number;
  corsOrigins: string[];
  shutdownGraceMs: number;
  logSpillDir: string;
  /** Client must send its request headers within this (slowloris guard); not an env setting. */
  headersTimeoutMs: number;
  /** Client must send its whole request (headers and body) within this; responses and streams are not limited. */
  requestTimeoutMs: number;
  /** Probe localhost for Ollama, LM Studio and vLLM (llama.cpp: only at LLAMACPP_DETECT_URL) when they are not configured. */
  discoverLocal: boolean;
  /** Where discovery looks instead of a kind's default URL (LLAMACPP_DETECT_URL). */
  localUrls: LocalUrls;
  /** HTTP(S)_PROXY / NO_PROXY as read here; a localhost proxy may be rewritten inside a container (PROXY_REWRITE_LOCALHOST). */
  outboundProxy: ProxySettings | undefined;
  proxyRewriteLocalhost: boolean;
  /** Deprecated variable spellings found in the env; logged once when the services start. */
  envNotices: EnvNotice[];
  /** METRICS_AUTH: /metrics and /health/providers need a gateway key too (when keys are configured). */
  metricsAuth: boolean;
  /** IMAGE_FETCH and IMAGE_FETCH_ALLOW_HOSTS: which remote image URLs the gateway downloads for adapters. */
  imageFetch: ImageFetchPolicy;
  /** UPSTREAM_MAX_CONNECTIONS: each upstream origin's pool size, unless a provider sets max_connections. */
  upstreamMaxConnections: number;
  /** The config file's `prices:` (USD per million tokens by provider/model), over the repo's price table. */
  prices: PriceOverrides;
  /** REDIS_* and GATEWAY_REPLICAS: where limits, budgets and revocations are shared (see config-state.ts). */
  state: StateConfig;
}

const IMAGE_FETCH_MODES = { public: 'public', on: 'public', true: 'public', allowlist: 'allowlist', off: 'off', false: 'off' } as const;

function imageFetchPolicy(env: NodeJS.ProcessEnv): ImageFetchPolicy {
  const raw = (env.IMAGE_FETCH || 'public').toLowerCase();
  const mode = IMAGE_FETCH_MODES[raw as keyof typeof IMAGE_FETCH_MODES];
  if (!mode) throw new ConfigError(`IMAGE_FETCH must be public, allowlist or off, got '${env.IMAGE_FETCH}'`);
  return { mode, allowHosts: list(env.IMAGE_FETCH_ALLOW_HOSTS) };
}

/** `${VAR}` in the config file → the environment's value, so secrets stay out of the file. */
function interpolate(text: string, env: NodeJS.ProcessEnv): string {
  return text.replace(/\$\{([A-Z0-9_]+)\}/gi, (_, name: string) => env[name] ?? '');
}

function readConfigFile(path: string, env: NodeJS.ProcessEnv): z.infer<typeof fileSchema> {
  let raw: unknown;
  try {
    const text = interpolate(readFileSync(path, 'utf8'), env);
    raw = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError(`GATEWAY_CONFIG: cannot read ${path}: ${(err as Error).message}`);
  }
  const parsed = fileSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`GATEWAY_CONFIG (${path}): ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

export function loadConfig(givenEnv: NodeJS.ProcessEnv = process.env): Config {
  const { env, notices: envNotices } = applyEnvAliases(givenEnv);
  const file = env.GATEWAY_CONFIG ? readConfigFile(env.GATEWAY_CONFIG, env) : fileSchema.parse({});
  const providers = providersFromEnv(env);
  for (const p of file.providers) {
    const fromFile: ProviderConfig = {
      id: p.id,
      type: p.type,
      // A provider the file only names (`type: deepseek`, an id of its own) lives at its kind's default base URL.
      baseUrl: p.base_url ?? providers.find((e) => e.id === p.id)?.baseUrl ?? providerKind(p.type)?.defaultBaseUrl ?? '',
      apiKey: p.api_key || undefined,
      headers: p.headers,
      models: p.models,
      proxy: p.proxy,
      options: p.options,
      maxConnections: p.max_connections,
    };
    if (!fromFile.baseUrl && p.type !== 'mock') throw new ConfigError(`GATEWAY_CONFIG: provider '${p.id}' needs base_url`);
    const existing = providers.findIndex((e) => e.id === p.id);
    if (existing >= 0) providers[existing] = { ...providers[existing], ...fromFile, apiKey: fromFile.apiKey ?? providers[existing]?.apiKey };
    else providers.push(fromFile);
  }
  const mockMode = bool('MOCK_MODE', env.MOCK_MODE, false);
  if (mockMode || providers.length === 0) providers.push({ id: 'mock', type: 'mock', baseUrl: '', options: { delayMs: env.MOCK_DELAY_MS || undefined } });

  const adminKey = env.GATEWAY_ADMIN_KEY?.trim() || undefined;
  const apiKeys = list(env.GATEWAY_API_KEYS);
  if (adminKey && !apiKeys.includes(adminKey)) apiKeys.push(adminKey);
  const host = env.HOST || '127.0.0.1';
  const allowNoAuth = bool('GATEWAY_ALLOW_NO_AUTH', env.GATEWAY_ALLOW_NO_AUTH, false);
  const routing = routingSchema.parse({
    ...DEFAULT_ROUTING,
    ...file.routing,
    ...(env.ROUTING_RETRIES ? { retries: int('ROUTING_RETRIES', env.ROUTING_RETRIES, 2) } : {}),
    ...(env.ROUTING_TIMEOUT_MS ? { timeout_ms: int('ROUTING_TIMEOUT_MS', env.ROUTING_TIMEOUT_MS, 120_000, 1) } : {}),
    ...(env.ROUTING_FIRST_TOKEN_TIMEOUT_MS
      ? { first_token_timeout_ms: int('ROUTING_FIRST_TOKEN_TIMEOUT_MS', env.ROUTING_FIRST_TOKEN_TIMEOUT_MS, 30_000, 1) }
      : {}),
    ...(env.ROUTING_IDLE_TIMEOUT_MS ? { idle_timeout_ms: int('ROUTING_IDLE_TIMEOUT_MS', env.ROUTING_IDLE_TIMEOUT_MS, 30_000, 1) } : {}),
    ...(env.ROUTING_CONNECT_TIMEOUT_MS
      ? { connect_timeout_ms: int('ROUTING_CONNECT_TIMEOUT_MS', env.ROUTING_CONNECT_TIMEOUT_MS, 10_000, 1) }
      : {}),
  });
  const breaker = breakerSchema.parse(file.breaker);

  return {
    port: int('PORT', env.PORT, 8080),
    host,
    apiKeys,
    adminKey,
    consoleSessionSecret: env.CONSOLE_SESSION_SECRET?.trim() || undefined,
    allowNoAuth,
    logLevel: env.LOG_LEVEL || 'info',
    databaseUrl: env.DATABASE_URL || undefined,
    pgliteDir: env.PGLITE_DIR || './data/pglite',
    logBodies: bool('LOG_BODIES', env.LOG_BODIES, true),
    mockMode,
    providers,
    routes: file.models,
    fallbackOrder: list(env.LLM_PROVIDERS),
    fallbackEnabled: bool('LLM_FALLBACK_ENABLED', env.LLM_FALLBACK_ENABLED, true),
    defaultModel: env.DEFAULT_MODEL || undefined,
    routing,
    breaker: {
      failureThreshold: breaker.failure_threshold,
      failureRatio: breaker.failure_ratio,
      minRequests: breaker.min_requests,
      windowMs: breaker.window_ms,
      cooldownMs: breaker.cooldown_ms,
    },
    probeIntervalMs: int('PROBE_INTERVAL_MS', env.PROBE_INTERVAL_MS, 30_000),
    bodyLimitBytes: int('BODY_LIMIT_BYTES', env.BODY_LIMIT_BYTES, 10 * 1024 * 1024, 1024),
    maxJsonDepth: int('MAX_JSON_DEPTH', env.MAX_JSON_DEPTH, 100, 8),
    rateLimitRpm: int('RATE_LIMIT_RPM', env.RATE_LIMIT_RPM, 0),
    sessionContextTokens: int('SESSION_CONTEXT_TOKENS', env.SESSION_CONTEXT_TOKENS, 4_000),
    corsOrigins: list(env.CORS_ORIGINS),
    shutdownGraceMs: int('SHUTDOWN_GRACE_MS', env.SHUTDOWN_GRACE_MS, 15_000),
    logSpillDir: env.LOG_SPILL_DIR || './data/spill',
    headersTimeoutMs: 20_000,
    requestTimeoutMs: 120_000,
    discoverLocal: bool('DISCOVER_LOCAL_PROVIDERS', env.DISCOVER_LOCAL_PROVIDERS, true),
    localUrls: env.LLAMACPP_DETECT_URL ? { llamacpp: env.LLAMACPP_DETECT_URL } : {},
    outboundProxy: envProxySettings(env),
    proxyRewriteLocalhost: bool('PROXY_REWRITE_LOCALHOST', env.PROXY_REWRITE_LOCALHOST, true),
    envNotices,
    // Open by default, as LiteLLM's /metrics is (require_auth_for_metrics_endpoint: false): scrapers carry no key.
    metricsAuth: bool('METRICS_AUTH', env.METRICS_AUTH, false),
    imageFetch: imageFetchPolicy(env),
    upstreamMaxConnections: int('UPSTREAM_MAX_CONNECTIONS', env.UPSTREAM_MAX_CONNECTIONS, 1024, 1),
    prices: file.prices,
    state: stateConfig(env),
  };
}

/** Loopback by parsed address (127.0.0.0/8, ::1), `localhost` by name only: `127.evil.example` is a name, not 127/8. */
export function isLoopback(host: string): boolean {
  if (host.toLowerCase() === 'localhost') return true;
  if (isIPv4(host)) return host.startsWith('127.');
  return isIPv6(host) && canonicalIPv6(host) === '[::1]';
}

function canonicalIPv6(host: string): string | undefined {
  try {
    return new URL(`http://[${host}]/`).hostname;
  } catch {
    return undefined;
  }
}

/** The contract's rule: an open gateway (no keys) only binds loopback unless explicitly allowed. */
export function assertSafeBind(config: Config): void {
  if (config.apiKeys.length === 0 && !config.adminKey && !isLoopback(config.host) && !config.allowNoAuth) {
    throw new ConfigError(
      `HOST=${config.host} exposes the gateway without GATEWAY_API_KEYS; set keys or GATEWAY_ALLOW_NO_AUTH=true`,
    );
  }
}
