// The benchmark's floor: a raw pass-through proxy (node:http in, undici keep-alive pool out, bytes piped, nothing parsed).
import http from 'node:http';
import { pipeline } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { Pool } from 'undici';

// Hop-by-hop headers (RFC 9110 §7.6.1) are per connection and must not be forwarded.
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'host']);

function forwardHeaders(raw: http.IncomingHttpHeaders | Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(raw)) if (v !== undefined && !HOP.has(k)) out[k] = v;
  return out;
}

export function createFloorProxy(upstreamOrigin: string): http.Server {
  const pool = new Pool(upstreamOrigin, { connections: 512, keepAliveTimeout: 60_000 });
  const server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    const method = req.method ?? 'GET';
    const hasBody = method !== 'GET' && method !== 'HEAD';
    pool
      .request({ method, path: req.url ?? '/', headers: forwardHeaders(req.headers), body: hasBody ? req : null })
      .then(({ statusCode, headers, body }) => {
        res.writeHead(statusCode, forwardHeaders(headers));
        pipeline(body, res, () => {});
      })
      .catch((err: Error) => {
        if (res.headersSent) return void res.destroy(err);
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: err.message, type: 'upstream_error', param: null, code: null } }));
      });
  });
  server.on('close', () => void pool.close());
  return server;
}

function argValue(name: string, fallback: string): string {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : fallback;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const upstream = argValue('upstream', '');
  if (!upstream) throw new Error('floor-proxy: --upstream=http://host:port is required');
  const server = createFloorProxy(upstream);
  server.listen(Number(argValue('port', '0')), argValue('host', '127.0.0.1'), () => {
    const addr = server.address();
    console.log(JSON.stringify({ ready: true, port: typeof addr === 'object' && addr ? addr.port : 0 }));
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}
