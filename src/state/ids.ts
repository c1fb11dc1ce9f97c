// Reservation and lease ids: unique across replicas (a random per-process stem) and cheap per call (a sequence).
import { randomBytes } from 'node:crypto';

export function idMaker(): () => string {
  const stem = randomBytes(6).toString('base64url');
  let seq = 0;
  return () => `${stem}.${(seq++).toString(36)}`;
}
