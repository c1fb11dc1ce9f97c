// Starts a real gateway (config from an env map, log store on PGlite or DATABASE_URL) on a random loopback port.
import { readFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { inject } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import type { ImageFetcher } from '../../src/providers/shared/images.js';
import type { WriterOptions } from '../../src/request-log/writer.js';
import type { StatePort } from '../../src/state/port.js';
import { createServices, type Services } from '../../src/services.js';

export interface TestGateway {
  /** Server root, e.g. http://127.0.0.1:PORT */
  url: string;
  /** What an OpenAI SDK takes as baseURL. */
  baseURL: string;
  app: FastifyInstance;
  services: Services;
  config: Config;
  /** Every pino line the gateway wrote, for assertions (e.g. that no secret was logged). */
  logLines: string[];
  /** Waits until every queued log entry is in the database. */
  flushLogs(): Promise<void>;
  close(): Promise<void>;
}

export interface GatewayOptions {
  env?: Record<string, string | undefined>;
  writer?: WriterOptions;
  /** Last-minute changes to the loaded config (e.g. routing timeouts a test wants short). */
  configure?(config: Config): void;
  /** How adapters fetch remote image URLs (the code-only seam in ProviderDeps); default: https only. */
  fetchImage?: ImageFetcher;
  /** The state port (e.g. a Redis adapter two gateways share); closed with the gateway. */
  state?: StatePort;
}

let template: Promise<Blob> | undefined;
function pgliteTemplate(): Promise<Blob> {
  template ??= readFile(inject('pgliteTemplatePath')).then((buf) => new Blob([buf]));
  return template;
}

export async function startGateway(options: GatewayOptions = {}): Promise<TestGateway> {
  const env = {
    PGLITE_DIR: 'memory://',
    DISCOVER_LOCAL_PROVIDERS: 'false',
    LOG_LEVEL: 'info',
    DATABASE_URL: process.env.DATABASE_URL,
    ...options.env,
  };
  const config = loadConfig(env);
  options.configure?.(config);
  const logLines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logLines.push(chunk.toString());
      done();
    },
  });
  const log = createLogger(config.logLevel, sink);
  const services = await createServices(config, log, {
    defaultMetrics: false,
    writer: { flushIntervalMs: 20, spillDir: undefined, ...options.writer },
    pgliteTemplate: config.databaseUrl ? undefined : await pgliteTemplate(),
    fetchImage: options.fetchImage,
    state: options.state,
  });
  const app = buildApp(services, log);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    baseURL: `${url}/v1`,
    app,
    services,
    config,
    logLines,
    async flushLogs() {
      for (let i = 0; i < 100 && (services.logWriter.stats.queued > 0 || services.logWriter.stats.degraded); i++) {
        await services.logWriter.flush(true);
        if (services.logWriter.stats.queued > 0) await new Promise((r) => setTimeout(r, 20));
      }
    },
    async close() {
      await app.close();
      await services.close();
    },
  };
}
