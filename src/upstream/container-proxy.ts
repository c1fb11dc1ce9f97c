// A proxy on the Docker host, seen from a container: there `localhost` is the container itself, so a proxy URL
// naming localhost is rewritten to host.docker.internal (compose maps it to the host) unless something listens locally.
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import type { Logger } from 'pino';

export const DOCKER_HOST_NAME = 'host.docker.internal';
const LISTEN_CHECK_MS = 500;

/** Outbound proxy settings from the environment, in undici's EnvHttpProxyAgent option names. */
export interface ProxySettings {
  httpProxy?: string;
  httpsProxy?: string;
  noProxy?: string;
}

/** HTTP(S)_PROXY and NO_PROXY with undici's precedence (lowercase first); undefined when no proxy is set. */
export function envProxySettings(env: NodeJS.ProcessEnv): ProxySettings | undefined {
  const httpProxy = env.http_proxy || env.HTTP_PROXY || undefined;
  const httpsProxy = env.https_proxy || env.HTTPS_PROXY || undefined;
  if (!httpProxy && !httpsProxy) return undefined;
  const noProxy = env.no_proxy ?? env.NO_PROXY;
  return { httpProxy, httpsProxy, ...(noProxy !== undefined ? { noProxy } : {}) };
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The proxy URL with its host swapped for host.docker.internal, or undefined when it does not name localhost. */
export function rewriteLocalhostProxy(proxyUrl: string, where: { inContainer: boolean; enabled: boolean }): string | undefined {
  if (!where.inContainer || !where.enabled) return undefined;
  let url: URL;
  try {
    url = new URL(proxyUrl);
  } catch {
    return undefined;
  }
  const host = url.hostname.toLowerCase();
  if (!LOCAL_HOSTS.has(host) && !host.startsWith('127.')) return undefined;
  url.hostname = DOCKER_HOST_NAME;
  return url.href.replace(/\/$/, proxyUrl.endsWith('/') ? '/' : '');
}

export interface ContainerProbe {
  exists(path: string): boolean;
  read(path: string): string;
}
const realFs: ContainerProbe = {
  exists: existsSync,
  read: (path) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return '';
    }
  },
};

/** Docker's and Podman's marker files, else cgroup / mount hints of Docker, containerd, Kubernetes, LXC. */
export function runningInContainer(fs: ContainerProbe = realFs): boolean {
  if (fs.exists('/.dockerenv') || fs.exists('/run/.containerenv')) return true;
  if (/\b(docker|kubepods|containerd|libpod|lxc)\b/.test(fs.read('/proc/1/cgroup'))) return true;
  return /\/docker\/containers\//.test(fs.read('/proc/self/mountinfo'));
}

/** True when a TCP connect to host:port succeeds quickly (a proxy sidecar in the same network namespace). */
export function isListening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: host.replace(/^\[|\]$/g, ''), port, timeout: LISTEN_CHECK_MS });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

export interface ContainerProxyOptions {
  inContainer?: () => boolean;
  isListening?: (host: string, port: number) => Promise<boolean>;
}

interface ProxyConfig {
  outboundProxy: ProxySettings | undefined;
  proxyRewriteLocalhost: boolean;
  providers: Array<{ id: string; proxy?: string }>;
}

/** host:port only: a proxy URL may carry user:password, which must not reach the log. */
const hostOf = (proxyUrl: string) => new URL(proxyUrl).host;
const defaultPort = (url: URL) => Number(url.port || (url.protocol === 'https:' ? 443 : 80));

/**
 * Applies the rewrite to the env proxies (returned for the shared dispatcher) and to each provider's own `proxy`
 * (updated in place, before the registry builds their dispatchers), logging each rewrite once at start.
 */
export async function proxiesSeenFromContainer(config: ProxyConfig, log: Logger, options: ContainerProxyOptions = {}): Promise<ProxySettings | undefined> {
  if (!config.proxyRewriteLocalhost) return config.outboundProxy;
  const inContainer = (options.inContainer ?? runningInContainer)();
  if (!inContainer) return config.outboundProxy;
  const listening = options.isListening ?? isListening;
  const reachable = async (setting: string, proxyUrl: string | undefined): Promise<string | undefined> => {
    const rewritten = proxyUrl && rewriteLocalhostProxy(proxyUrl, { inContainer, enabled: true });
    if (!proxyUrl || !rewritten) return proxyUrl;
    const local = new URL(proxyUrl);
    if (await listening(local.hostname, defaultPort(local))) return proxyUrl;
    log.info({ setting, from: hostOf(proxyUrl), to: hostOf(rewritten) }, `${setting} names localhost inside a container: using ${DOCKER_HOST_NAME} (PROXY_REWRITE_LOCALHOST=false turns this off)`);
    return rewritten;
  };
  for (const provider of config.providers) if (provider.proxy) provider.proxy = await reachable(`provider ${provider.id} proxy`, provider.proxy);
  const env = config.outboundProxy;
  if (!env) return undefined;
  return { ...env, httpProxy: await reachable('HTTP_PROXY', env.httpProxy), httpsProxy: await reachable('HTTPS_PROXY', env.httpsProxy) };
}
