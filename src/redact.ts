// The one secret redactor (gateway and provider keys), shared by the pino logger and the request log: a value is
// replaced as it appears raw and as it appears inside a JSON string, wherever it hides.
const CENSOR = '[REDACTED]';
/** Shorter values would match ordinary text. */
const MIN_SECRET_LENGTH = 6;

export interface Redactor {
  (text: string): string;
  /** False when there is nothing to redact, so callers can skip serialising just to check. */
  readonly active: boolean;
}

export function makeRedactor(secrets: Array<string | undefined>): Redactor {
  const values = new Set<string>();
  for (const secret of secrets) {
    if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) continue;
    values.add(secret);
    // As it appears inside a JSON string (quotes, backslashes, control characters escaped).
    values.add(JSON.stringify(secret).slice(1, -1));
  }
  // Longest first, so a secret that contains another is replaced whole.
  const list = [...values].sort((a, b) => b.length - a.length);
  const redact = (text: string) => {
    let out = text;
    for (const value of list) if (out.includes(value)) out = out.split(value).join(CENSOR);
    return out;
  };
  return Object.assign(redact, { active: list.length > 0 });
}
