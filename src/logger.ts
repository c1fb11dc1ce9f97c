// The pino logger: JSON lines with time, level and request id. Credential-bearing fields are redacted by path, and
// every known secret value (gateway and provider keys) is scrubbed from each written line, whatever field it hides in
// (an upstream error message that echoes the key, a stack trace, a serialized request).
import pino, { type Logger } from 'pino';
import { makeRedactor } from './redact.js';

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-internal-auth"]',
  'req.headers["x-api-key"]',
  'req.headers["x-goog-api-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers["x-goog-api-key"]',
  '*.headers.authorization',
  'apiKey',
  '*.apiKey',
  'apiKeys',
  '*.apiKeys',
  'api_key',
  '*.api_key',
];

const CENSOR = '[REDACTED]';

interface SecretScrubber {
  scrub: (line: string) => string;
}

const scrubbers = new WeakMap<Logger, SecretScrubber>();

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const scrubber: SecretScrubber = { scrub: (line) => line };
  const log = pino(
    {
      level,
      base: { service: 'llm-gateway' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: CENSOR },
      hooks: { streamWrite: (line) => scrubber.scrub(line) },
    },
    destination,
  );
  scrubbers.set(log, scrubber);
  return log;
}

/**
 * From now on, lines written by this logger (and its children) never contain these values. Secrets are known only
 * once the configuration is loaded, after the logger exists; createServices calls this.
 */
export function redactSecretsInLogs(log: Logger, secrets: Array<string | undefined>): void {
  const scrubber = scrubbers.get(log);
  const redact = makeRedactor(secrets);
  if (scrubber && redact.active) scrubber.scrub = redact;
}
