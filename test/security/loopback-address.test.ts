// isLoopback (issue 11, item 10): loopback by parsed address (127.0.0.0/8, ::1), `localhost` by name only, so a
// name that merely starts with "127." cannot open an unauthenticated gateway to the network.
import { describe, expect, it } from 'vitest';
import { assertSafeBind, ConfigError, isLoopback, loadConfig } from '../../src/config.js';

describe('isLoopback', () => {
  it.each(['127.0.0.1', '127.1.2.3', '127.255.255.254', '::1', '0:0:0:0:0:0:0:1', '0000::0001', 'localhost', 'LOCALHOST'])('%s is loopback', (host) => {
    expect(isLoopback(host)).toBe(true);
  });

  it.each(['127.evil.example', '127.0.0.1.nip.io', '127.', '127', '127.0.0', '1127.0.0.1', 'localhost.evil.example', '::2', '::ffff:127.0.0.1', '0.0.0.0', '::', ''])(
    '%s is not',
    (host) => {
      expect(isLoopback(host)).toBe(false);
    },
  );

  it('refuses to bind 127.evil.example without keys', () => {
    const config = loadConfig({ DISCOVER_LOCAL_PROVIDERS: 'false', HOST: '127.evil.example' });
    expect(() => assertSafeBind(config)).toThrow(ConfigError);
  });
});
