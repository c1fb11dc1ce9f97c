// The contract's bind rule: without GATEWAY_API_KEYS the gateway only listens on loopback, unless explicitly allowed.
import { describe, expect, it } from 'vitest';
import { assertSafeBind, ConfigError, isLoopback, loadConfig } from '../../src/config.js';

const config = (env: Record<string, string>) => loadConfig({ DISCOVER_LOCAL_PROVIDERS: 'false', ...env });

describe('assertSafeBind', () => {
  it('binds 127.0.0.1 by default, which is allowed without keys', () => {
    const c = config({});
    expect(c.host).toBe('127.0.0.1');
    expect(() => assertSafeBind(c)).not.toThrow();
  });

  it.each(['127.0.0.1', '127.0.0.53', 'localhost', '::1'])('allows loopback %s without keys', (host) => {
    expect(isLoopback(host)).toBe(true);
    expect(() => assertSafeBind(config({ HOST: host }))).not.toThrow();
  });

  it.each(['0.0.0.0', '::', '192.168.1.10', 'gateway.internal', 'localhost.evil.example', '::ffff:127.0.0.1'])(
    'refuses %s without keys, naming the variables',
    (host) => {
      expect(() => assertSafeBind(config({ HOST: host }))).toThrow(ConfigError);
      expect(() => assertSafeBind(config({ HOST: host }))).toThrow(/GATEWAY_API_KEYS.*GATEWAY_ALLOW_NO_AUTH/);
    },
  );

  it('allows any address once keys are set, or when GATEWAY_ALLOW_NO_AUTH=true', () => {
    expect(() => assertSafeBind(config({ HOST: '0.0.0.0', GATEWAY_API_KEYS: 'some-long-key-123' }))).not.toThrow();
    expect(() => assertSafeBind(config({ HOST: '0.0.0.0', GATEWAY_ALLOW_NO_AUTH: 'true' }))).not.toThrow();
    expect(() => assertSafeBind(config({ HOST: '0.0.0.0', GATEWAY_ALLOW_NO_AUTH: 'false' }))).toThrow(ConfigError);
  });
});
