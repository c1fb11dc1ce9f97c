// Process entry: config → services → app → listen; SIGTERM/SIGINT drain in-flight requests and the log writer.
import 'dotenv/config';
import { buildApp } from './app.js';
import { assertSafeBind, ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { createServices } from './services.js';
import { createShutdown } from './shutdown.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
    assertSafeBind(config);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`llm-gateway: invalid configuration: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  const services = await createServices(config, log);
  const app = buildApp(services, log);

  if (config.apiKeys.length === 0) log.warn({ host: config.host }, 'GATEWAY_API_KEYS is empty: the gateway is open to anyone who can reach it');
  const address = await app.listen({ port: config.port, host: config.host });
  // Probes (and local discovery) run in the background: start-up never waits on a slow provider.
  void services.prober.start();
  log.info(
    { address, providers: config.providers.map((p) => p.id), logStore: services.logStore.kind, mockMode: config.mockMode },
    'llm-gateway ready',
  );

  const shutdown = createShutdown({ app, services, log, graceMs: config.shutdownGraceMs });
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`llm-gateway: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
