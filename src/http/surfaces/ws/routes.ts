// GET /ws/{session_id}: chat turns over one WebSocket, each run through the exchange pipeline as a stream (logged
// with endpoint /ws) and sharing the session's memory. The key comes in a header, a `token` query parameter or
// (browsers, which cannot set headers) `Sec-WebSocket-Protocol: bearer, <key>`; it is checked before the upgrade.
// On shutdown a session closes with 1001 once its turn in progress is over (or ended by the shutdown).
import { randomUUID } from 'node:crypto';
import { ServerResponse } from 'node:http';
import websocketPlugin from '@fastify/websocket';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { z } from 'zod';
import { GatewayError, toGatewayError } from '../../../errors.js';
import { Exchange } from '../../../pipeline/exchange.js';
import { rawHeaderTarget } from '../../../pipeline/headers.js';
import { createAuthHook, presentedKey } from '../../plugins/auth.js';
import type { SurfaceDeps } from '../serve.js';
import { sessionContext } from '../simple/session-context.js';
import { defaultModelOf } from '../simple/routes.js';
import { errorMessage, wsSurface } from './surface.js';
import { WsWriter } from './writer.js';

const PING_INTERVAL_MS = 30_000;
/** Messages waiting behind the turn in progress; more is a client not waiting for answers. */
const MAX_QUEUED = 8;
const paramsSchema = z.object({ session_id: z.string().min(1).max(200) });
const GOING_AWAY = 1001;
/** A peer that never answers our close frame would otherwise hold the shutdown for ws's 30 s close timeout. */
const CLOSE_WAIT_MS = 1_000;

function protocolsOf(req: FastifyRequest): string[] {
  const header = req.headers['sec-websocket-protocol'];
  return typeof header === 'string' ? header.split(',').map((p) => p.trim()) : [];
}

/** `bearer, <key>` (the key as the next protocol) or `bearer.<key>`. */
function protocolKey(protocols: string[]): string | undefined {
  const i = protocols.indexOf('bearer');
  if (i !== -1) return protocols[i + 1];
  return protocols.find((p) => p.startsWith('bearer.'))?.slice('bearer.'.length);
}

function wsKey(req: FastifyRequest): string | undefined {
  const token = (req.query as Record<string, unknown> | undefined)?.token;
  return presentedKey(req) ?? (typeof token === 'string' ? token : undefined) ?? protocolKey(protocolsOf(req));
}

/** Browsers fail a handshake that names protocols unless one is chosen: choose `bearer`, never echo a key. */
function chooseProtocol(protocols: Set<string>): string | false {
  if (protocols.has('bearer')) return 'bearer';
  return [...protocols].find((p) => !p.startsWith('bearer.')) ?? false;
}

export function registerWebSocket(scope: FastifyInstance, { deps, pipeline }: SurfaceDeps): void {
  const defaultModel = defaultModelOf(deps);
  /** Each open session's way to end on shutdown. */
  const sessions = new Set<() => void>();
  // Instead of the plugin's, which closes every socket at once without a code: a turn in progress gets the grace period.
  const preClose = (done: () => void) => {
    for (const goAway of sessions) goAway();
    done();
  };
  void scope.register(async (ws) => {
    await ws.register(websocketPlugin, { options: { maxPayload: 1024 * 1024, handleProtocols: chooseProtocol }, preClose });
    ws.addHook('onRequest', createAuthHook(deps.config.apiKeys, { directory: deps.keys, find: wsKey, adminKey: deps.config.adminKey }));
    ws.get('/ws/:session_id', { websocket: true, schema: { hide: true, params: paramsSchema } }, (socket, req) => {
      const { session_id: sessionId } = req.params as z.infer<typeof paramsSchema>;
      const surface = wsSurface(defaultModel, sessionId);
      const writer = new WsWriter(socket);
      const queue: unknown[] = [];
      let current: ServerResponse | undefined;
      let busy = false;
      let closing = false;
      const goAway = () => {
        closing = true;
        queue.length = 0;
        if (!busy) closeGoingAway(socket);
      };
      sessions.add(goAway);

      const turn = async (body: unknown) => {
        // A stand-in response per turn: the pipeline writes its x-gateway-* headers there, and its close is the
        // socket's, which aborts the turn's upstream call.
        const res = new ServerResponse(req.raw);
        current = res;
        const turnReq = Object.create(req, { id: { value: randomUUID() } }) as FastifyRequest;
        try {
          const parsed = surface.parse(body, req.headers);
          const earlier = await sessionContext(deps, req.gatewayKeyId, sessionId);
          if (earlier.length > 0) parsed.chat.messages = [...earlier, ...parsed.chat.messages];
          if (socket.readyState !== socket.OPEN) return;
          const x = new Exchange(turnReq, rawHeaderTarget(res), { endpoint: '/ws', work: { kind: 'stream', request: parsed.chat }, sessionId });
          await pipeline.stream(x, surface, parsed, writer);
        } catch (err) {
          if (socket.readyState === socket.OPEN) socket.send(errorMessage(toGatewayError(err), deps.redact));
        } finally {
          current = undefined;
        }
      };

      const pump = async () => {
        if (busy) return;
        busy = true;
        while (queue.length > 0) await turn(queue.shift());
        busy = false;
        if (closing) closeGoingAway(socket);
      };

      socket.on('message', (data, isBinary) => {
        if (closing) return;
        let body: unknown;
        try {
          body = isBinary ? undefined : JSON.parse(String(data));
        } catch {
          body = undefined;
        }
        if (body === undefined) return void socket.send(errorMessage(badMessage('a JSON text message'), deps.redact));
        if (queue.length >= MAX_QUEUED) return void socket.send(errorMessage(badMessage(`at most ${MAX_QUEUED} messages waiting for answers`), deps.redact));
        queue.push(body);
        void pump();
      });
      keepAlive(socket);
      socket.once('close', () => {
        sessions.delete(goAway);
        queue.length = 0;
        current?.emit('close');
      });
    });
  });
}

function closeGoingAway(socket: WebSocket): void {
  if (socket.readyState !== socket.OPEN) return;
  socket.close(GOING_AWAY, 'server_shutting_down');
  setTimeout(() => socket.terminate(), CLOSE_WAIT_MS).unref();
}

const badMessage = (what: string) => new GatewayError({ status: 400, message: `Expected ${what}`, code: 'invalid_message' });

/** Pings every interval; a peer that did not answer the last ping is gone (a dead TCP path never says so). */
function keepAlive(socket: WebSocket): void {
  let alive = true;
  socket.on('pong', () => {
    alive = true;
  });
  const timer = setInterval(() => {
    if (!alive) return socket.terminate();
    alive = false;
    socket.ping();
  }, PING_INTERVAL_MS);
  timer.unref();
  socket.once('close', () => clearInterval(timer));
}
