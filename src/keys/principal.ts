// Who is calling: the key and team a request runs under, with their limits, as the auth plugin resolved them.
import type { Limits } from './limits.js';

export interface Principal {
  keyId: string;
  /** undefined for the static GATEWAY_API_KEYS (the built-in team without limits). */
  teamId: string | undefined;
  keyLimits: Limits;
  teamLimits: Limits;
  expiresAt: Date | null;
  revoked: boolean;
}
