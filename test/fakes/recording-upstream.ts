// Fake upstream on 127.0.0.1 that answers every request with a small JSON body and records what it received.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  /** The Host header: proves which host:port the client addressed, whether or not a proxy relayed it. */
  host: string | undefined;
  via: string | undefined;
}

export interface RecordingUpstream {
  url: string;
  port: number;
  received: RecordedRequest[];
  close(): Promise<void>;
}

export async function startRecordingUpstream(name = 'upstream'): Promise<RecordingUpstream> {
  const received: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    received.push({ method: req.method ?? '', path: req.url ?? '', host: req.headers.host, via: req.headers.via as string | undefined });
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ served_by: name, path: req.url }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
