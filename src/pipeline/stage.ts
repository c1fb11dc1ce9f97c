// What a pipeline stage is: a step every proxied request passes through once, before the upstream call (enter)
// and after the exchange ended (leave). Stages see only the Exchange, never a surface or an HTTP reply.
import type { Exchange } from './exchange.js';

export interface Stage {
  readonly name: string;
  /**
   * Runs in order before the answer exists. Throw a GatewayError to refuse the request (the stages after it never
   * run); set `exchange.answered` to serve it without the stages after it (a cache hit). Return a promise only when
   * there is something to wait for: a synchronous stage costs no promise turn.
   */
  enter?(exchange: Exchange): void | Promise<void>;
  /**
   * Runs in reverse order once the exchange is over (answered, failed or streamed to its end), for every stage whose
   * enter completed. Must not throw: the client already has its answer.
   */
  leave?(exchange: Exchange): void;
}
