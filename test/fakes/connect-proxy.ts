// Fake outbound HTTP proxy on 127.0.0.1: CONNECT tunnels and plain absolute-URI forwarding, recording what passed.
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface ProxiedRequest {
  /** 'CONNECT' for a tunnel, else the forwarded request's method. */
  method: string;
  /** host:port the client asked the proxy to reach. */
  target: string;
  /** Path of a forwarded request (absent for tunnels, whose content the proxy cannot see). */
  path?: string;
}

export interface FakeProxy {
  url: string;
  port: number;
  seen: ProxiedRequest[];
  /** Answer CONNECT with this status instead of tunnelling (e.g. 403 to act as a denying proxy). */
  denyConnectWith?: number;
  close(): Promise<void>;
}

// Tests may only talk to this machine: the proxy refuses any other destination.
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

function splitHostPort(target: string): { host: string; port: number } | undefined {
  const match = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(target);
  if (!match?.[1] || !match[2]) return undefined;
  return { host: match[1].replace(/^\[|\]$/g, ''), port: Number(match[2]) };
}

function forwardHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = { via: '1.1 fake-proxy' };
  for (const [name, value] of Object.entries(headers)) {
    if (!name.startsWith('proxy-')) out[name] = value;
  }
  return out;
}

export async function startConnectProxy(): Promise<FakeProxy> {
  const sockets = new Set<Socket>();
  const seen: ProxiedRequest[] = [];

  const server = createServer((req, res) => {
    // A forward proxy receives the absolute URI in the request line: GET http://host:port/path HTTP/1.1.
    let url: URL;
    try {
      url = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end('absolute URI required');
      return;
    }
    const target = `${url.hostname}:${url.port || 80}`;
    seen.push({ method: req.method ?? 'GET', target, path: url.pathname + url.search });
    if (url.protocol !== 'http:' || !LOOPBACK.has(url.hostname)) {
      res.writeHead(403).end('loopback only');
      return;
    }
    const upstream = httpRequest(
      { host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port || 80, method: req.method, path: url.pathname + url.search, headers: forwardHeaders(req.headers) },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (res.headersSent) res.destroy();
      else res.writeHead(502).end('upstream unreachable');
    });
    req.pipe(upstream);
  });

  server.on('connect', (req, clientSocket: Socket, head: Buffer) => {
    const target = req.url ?? '';
    seen.push({ method: 'CONNECT', target });
    sockets.add(clientSocket);
    clientSocket.on('close', () => sockets.delete(clientSocket));
    clientSocket.on('error', () => clientSocket.destroy());
    const dest = splitHostPort(target);
    const refuse = proxy.denyConnectWith ?? (dest && LOOPBACK.has(dest.host) ? undefined : 403);
    if (refuse !== undefined || !dest) {
      clientSocket.end(`HTTP/1.1 ${refuse ?? 400} Refused\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    const upstream = connect(dest.port, dest.host, () => {
      clientSocket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(clientSocket);
      clientSocket.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => clientSocket.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n'));
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const proxy: FakeProxy = {
    url: `http://127.0.0.1:${port}`,
    port,
    seen,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}
