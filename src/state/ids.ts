// Reservation and lease ids: unique across replicas (a random per-process stem) and cheap per call (a sequence).
import { randomBytes } from 'node:crypto';

export function idMaker(): () => string {
  const stem = randomBytes(6).toString('base64url');
  let seq = 0;
  return () => `${stem}.${(seq++).toString(36)}`;
}

/** The k-th (1-based) of the leases one admission takes under one key when it takes more than one. */
export const leaseMember = (id: string, k: number): string => `${id}#${k}`;
