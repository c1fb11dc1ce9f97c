// Fake upstream for the benchmark: answers OpenAI chat completions, OpenAI responses and Anthropic messages instantly
// (JSON or SSE) from precomputed bytes (fake-wire.ts), whichever dialect the request path names.
import cluster from 'node:cluster';
import http from 'node:http';
import { pathToFileURL } from 'node:url';
import { type Prepared, wireOf } from './fake-wire.js';

export { STREAM_CONTENT_CHUNKS } from './fake-wire.js';

const CREATED = 1_700_000_000;

interface ParsedBody {
  model?: unknown;
  stream?: unknown;
  stream_options?: { include_usage?: unknown } | null;
}

export function createFakeUpstream(): http.Server {
  const cache = new Map<string, Prepared>();
  const forModel = (wire: NonNullable<ReturnType<typeof wireOf>>, model: string): Prepared => {
    const key = `${wire.kind} ${model}`;
    let p = cache.get(key);
    if (!p) {
      p = wire.prepare(model);
      if (cache.size < 100) cache.set(key, p);
    }
    return p;
  };
  const models = Buffer.from(
    JSON.stringify({ object: 'list', data: [{ id: 'bench-model', object: 'model', created: CREATED, owned_by: 'bench' }] }),
  );

  return http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    const url = req.url ?? '';
    if (req.method === 'GET' && (url === '/v1/models' || url === '/models')) {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': models.length });
      res.end(models);
      return;
    }
    const wire = req.method === 'POST' ? wireOf(url) : undefined;
    if (!wire) {
      req.resume();
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":{"message":"not found","type":"invalid_request_error","param":null,"code":null}}');
      return;
    }
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      let body: ParsedBody;
      try {
        body = JSON.parse(Buffer.concat(parts).toString('utf8')) as ParsedBody;
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end('{"error":{"message":"bad json","type":"invalid_request_error","param":null,"code":null}}');
        return;
      }
      const p = forModel(wire, typeof body.model === 'string' ? body.model : 'bench-model');
      if (body.stream !== true) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': p.json.length });
        res.end(p.json);
        return;
      }
      // One write per SSE event, as a real server flushes them; headers go out with the first write.
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      for (const c of p.stream) res.write(c);
      if (p.usage && body.stream_options?.include_usage === true) res.write(p.usage);
      res.end(p.tail);
    });
  });
}

function argValue(name: string, fallback: string): string {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : fallback;
}

async function main(): Promise<void> {
  const port = Number(argValue('port', '0'));
  const host = argValue('host', '127.0.0.1');
  const workers = Number(argValue('workers', '1'));
  if (workers > 1 && cluster.isPrimary) {
    for (let i = 0; i < workers; i++) cluster.fork();
    let ready = 0;
    cluster.on('message', () => {
      if (++ready === workers) console.log(JSON.stringify({ ready: true, port, workers }));
    });
    process.on('SIGTERM', () => {
      for (const w of Object.values(cluster.workers ?? {})) w?.kill();
      process.exit(0);
    });
    return;
  }
  const server = createFakeUpstream();
  server.listen(port, host, () => {
    const addr = server.address();
    const actual = typeof addr === 'object' && addr ? addr.port : port;
    if (cluster.isWorker) process.send?.('ready');
    else console.log(JSON.stringify({ ready: true, port: actual, workers: 1 }));
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) void main();
