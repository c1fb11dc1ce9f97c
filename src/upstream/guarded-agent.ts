// The dispatcher for URLs a client chose (remote images): every address is checked when the socket is opened, after
// DNS, so neither an IP spelling nor DNS rebinding reaches loopback, private or other special addresses.
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { Agent, buildConnector, type Dispatcher } from 'undici';
import { ipFamily, isPublicAddress } from './special-addresses.js';

export interface GuardOptions {
  /** `host` or `host:port` entries (URL spelling) reached even on non-public addresses: an operator's own image host. */
  allowHosts?: readonly string[];
  connectTimeoutMs?: number;
  /** Test seam: the resolver (default dns.lookup), e.g. one answering a loopback address as a rebinding DNS would. */
  lookup?: (hostname: string, options: LookupOptions, callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;
}

/** Refused by policy; the message names nothing, callers answer one generic error whatever went wrong. */
export class AddressRefusedError extends Error {
  readonly code = 'ERR_ADDRESS_REFUSED';
  constructor() {
    super('address refused');
  }
}

interface HostEntry {
  hostname: string;
  port: string | undefined;
}

/** An allow-list entry parsed the way a URL's host is, so `0x7f000001` or `LOCALHOST` compare as the URL would. */
export function parseHostEntry(entry: string): HostEntry | undefined {
  try {
    const url = new URL(`https://${entry.trim()}`);
    if (url.username || url.password || url.pathname !== '/' || url.search) return undefined;
    return { hostname: url.hostname, port: /:\d+$/.test(entry.trim()) ? url.port || '443' : undefined };
  } catch {
    return undefined;
  }
}

/** Whether a URL host (its `hostname` and `port`, brackets on IPv6) is on the list. */
export function isAllowedHost(entries: readonly HostEntry[], hostname: string, port: string | number): boolean {
  const spelled = ipFamily(hostname) === 6 && !hostname.startsWith('[') ? `[${hostname}]` : hostname.toLowerCase();
  const portText = String(port || 443);
  return entries.some((e) => e.hostname === spelled && (e.port === undefined || e.port === portText));
}

/** Resolves every address of a name and refuses the connection if any of them is not public. */
function guardedLookup(lookup: NonNullable<GuardOptions['lookup']>): LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const first = addresses[0];
      if (!first || addresses.some((a) => !isPublicAddress(a.address))) return callback(new AddressRefusedError(), '', 0);
      // net.connect asks for every address when it races families (autoSelectFamily), one otherwise.
      if (options.all) (callback as unknown as (e: null, all: LookupAddress[]) => void)(null, addresses);
      else callback(null, first.address, first.family);
    });
  };
}

const systemLookup: NonNullable<GuardOptions['lookup']> = (hostname, options, callback) =>
  dnsLookup(hostname, { ...options, all: true }, callback);

export function createGuardedAgent(options: GuardOptions = {}): Dispatcher {
  const entries = (options.allowHosts ?? []).map(parseHostEntry).filter((e): e is HostEntry => e !== undefined);
  const timeout = options.connectTimeoutMs ?? 10_000;
  const checked = buildConnector({ timeout, lookup: guardedLookup(options.lookup ?? systemLookup) });
  const trusted = buildConnector({ timeout });
  return new Agent({
    // Image hosts are many and visited once: short keep-alive, a small pool per origin.
    keepAliveTimeout: 4_000,
    connections: 8,
    connect(opts, callback) {
      if (isAllowedHost(entries, opts.hostname, opts.port)) return trusted(opts, callback);
      // net.connect skips the lookup for an IP literal, so literals are judged here.
      if (ipFamily(opts.hostname) !== 0 && !isPublicAddress(opts.hostname)) return callback(new AddressRefusedError(), null);
      return checked(opts, callback);
    },
  });
}

const shared = new Map<string, Dispatcher>();

/** One guarded agent per allow-list (policies come from config, so there are one or two), shared by every adapter. */
export function sharedGuardedAgent(allowHosts: readonly string[]): Dispatcher {
  const key = allowHosts.join(',');
  let agent = shared.get(key);
  if (!agent) {
    agent = createGuardedAgent({ allowHosts });
    if (shared.size < 16) shared.set(key, agent);
  }
  return agent;
}
