// What the router records and reports about attempts, and what a caller hands it per request.
import type { ClientSignal } from './client-signal.js';
import type { Target } from './resolve.js';

export interface AttemptRecord {
  provider: string;
  model: string;
  startedAt: Date;
  latencyMs: number;
  /** HTTP status the upstream answered (or the mapped status of a transport failure); null on success paths without one. */
  status: number | null;
  error?: string;
  errorCode?: string;
}

export interface RouterObserver {
  attempt?(record: AttemptRecord, outcome: 'success' | 'failure'): void;
  retry?(target: Target): void;
  fallback?(from: Target, to: Target): void;
  /** A fallback answered: ms from the failed attempt's end to the next target's answer (a stream's first event). */
  fallbackSwitch?(to: Target, ms: number): void;
}

export interface RouterOptions {
  /** Weighted load balancing and backoff jitter; tests inject a deterministic one. */
  random?: () => number;
  /** Waits between rounds; tests inject one that records the wait instead of sleeping. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export interface RunContext {
  /** Aborted when the client goes away. */
  signal: ClientSignal;
  attempts: AttemptRecord[];
}
