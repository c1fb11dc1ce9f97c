// One proxied request as the pipeline sees it: what was asked, by whom, where it was routed, and how it ended.
// Every stage reads and writes this one object; its fields are all set in the constructor (one shape, no
// per-request hidden-class changes on the hot path).
import type { ServerResponse } from 'node:http';
import type { FastifyRequest } from 'fastify';
import type { GatewayError } from '../errors.js';
import { ClientConnection } from '../http/client-connection.js';
import type { Admission } from '../keys/enforcer.js';
import type { Principal } from '../keys/principal.js';
import type { ExchangeContext, ExchangeOutcome } from '../request-log/entry.js';
import type { RoutePlan, Target } from '../routing/resolve.js';
import type { RelayHandle } from '../routing/relay-handle.js';
import type { AttemptRecord, StreamHandle } from '../routing/router.js';
import type { ChatRequest } from '../schemas/chat-request.js';
import type { ChatCompletion } from '../schemas/chat-response.js';
import type { EmbeddingsRequest, EmbeddingsResponse } from '../schemas/embeddings.js';
import type { HeaderTarget } from './headers.js';

/** What the route stage is asked to do. */
export type Work =
  | { kind: 'chat'; request: ChatRequest }
  | { kind: 'stream'; request: ChatRequest }
  | { kind: 'embeddings'; request: EmbeddingsRequest };

export interface ExchangeStart {
  endpoint: string;
  work: Work;
  sessionId: string | undefined;
  /** The inbound surface's name: a provider speaking it natively gets the request relayed untranslated. */
  dialect?: string;
  /** The refusal for any target that would need the request translated (see ParsedRequest.untranslatable). */
  untranslatable?: GatewayError;
}

export class Exchange {
  readonly requestId: string;
  readonly endpoint: string;
  readonly work: Work;
  /** The model as the client named it. */
  readonly model: string;
  readonly keyId: string | undefined;
  /** A virtual key's key, team and limits, for the authorize, limits and budget stages (static keys: undefined). */
  readonly principal: Principal | undefined;
  /** performance.now() at the start, for latencies. */
  readonly started = performance.now();
  readonly attempts: AttemptRecord[] = [];
  /** The client going away (the response closed before it finished) cancels everything upstream. */
  readonly client: ClientConnection;
  /** What the request log knows from the start. */
  readonly context: ExchangeContext;
  /** Set by the resolve stage. */
  plan: RoutePlan | undefined = undefined;
  /** Set by the route stage: the deployment that answered, and its answer. */
  target: Target | undefined = undefined;
  completion: ChatCompletion | undefined = undefined;
  embeddings: EmbeddingsResponse | undefined = undefined;
  stream: StreamHandle | undefined = undefined;
  /** Set by the route stage instead of completion/stream when the request is relayed untranslated. */
  relay: RelayHandle | undefined = undefined;
  readonly dialect: string | undefined;
  readonly untranslatable: GatewayError | undefined;
  /** Set by the limits stage: the leases and reservations to settle once the exchange is over. */
  admission: Admission | undefined = undefined;
  /** A stage served the request itself (e.g. from a cache): the stages after it are skipped. */
  answered = false;
  /** How it ended, for the record stage; set once by the pipeline. */
  outcome: ExchangeOutcome | undefined = undefined;
  error: GatewayError | undefined = undefined;
  /** How many stages completed enter (so leave runs for exactly those). */
  entered = 0;

  /** The raw response: its close is the client's going away. */
  readonly res: ServerResponse;

  constructor(
    readonly req: FastifyRequest,
    /** Where the gateway's headers go (headers.ts). */
    readonly reply: HeaderTarget,
    start: ExchangeStart,
  ) {
    this.res = reply.raw;
    this.requestId = req.id;
    this.endpoint = start.endpoint;
    this.dialect = start.dialect;
    this.untranslatable = start.untranslatable;
    this.work = start.work;
    this.model = start.work.request.model;
    this.keyId = req.gatewayKeyId;
    this.principal = req.gatewayPrincipal;
    this.client = new ClientConnection(this.res);
    const chat = start.work.kind === 'embeddings' ? undefined : start.work.request;
    this.context = {
      requestId: req.id,
      startedAt: new Date(),
      endpoint: start.endpoint,
      keyId: req.gatewayKeyId,
      teamId: req.gatewayPrincipal?.teamId,
      sessionId: start.sessionId,
      request: chat,
      requestedModel: chat ? undefined : start.work.request.model,
      stream: start.work.kind === 'stream',
      attempts: this.attempts,
    };
  }

  elapsed(): number {
    return performance.now() - this.started;
  }

  /** Time spent in the gateway: everything except the upstream attempts. */
  overheadAt(elapsedMs: number): number {
    let upstream = 0;
    for (const a of this.attempts) upstream += a.latencyMs;
    return Math.max(0, elapsedMs - upstream);
  }
}
