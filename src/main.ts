// Process entry: config → services → app → listen; SIGTERM/SIGINT drain in-flight requests and the log writer.
import 'dotenv/config';
import { buildApp } from './app.js';
import { assertSafeBind, ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { createServices } from './services.js';

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
  await app.listen({ port: config.port, host: config.host });
  log.info(
    { providers: config.providers.map((p) => p.id), logStore: services.logStore.kind, mockMode: config.mockMode },
    'llm-gateway ready',
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal, graceMs: config.shutdownGraceMs }, 'shutting down: draining in-flight requests');
    const force = setTimeout(() => app.server.closeAllConnections(), config.shutdownGraceMs);
    force.unref();
    try {
      await app.close();
      await services.close();
      log.info('shutdown complete');
      process.exit(0);
    } catch (err) {
      log.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`llm-gateway: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
