// Request validation at the HTTP edge: zod issues → a 400 whose `param` names the offending field.
import type { z } from 'zod';
import { invalidRequest } from '../errors.js';

export function paramPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

/** A union's own issue says only "Invalid input"; the branch that got furthest names the real problem. */
function deepestIssue(issues: z.core.$ZodIssue[]): z.core.$ZodIssue | undefined {
  const first = issues[0];
  if (!first || first.code !== 'invalid_union' || first.errors.length === 0) return first;
  let best: z.core.$ZodIssue | undefined;
  for (const branch of first.errors) {
    const candidate = deepestIssue(branch);
    if (candidate && (!best || candidate.path.length > best.path.length)) best = candidate;
  }
  return best ? { ...best, path: [...first.path, ...best.path] } : first;
}

/** What the body holds at a zod issue's path; zod 4 leaves the input out of issues unless asked to. */
function valueAt(body: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let current = body;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

export function parseOrThrow<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw invalidRequest('The request body must be a JSON object.', null, 'invalid_body');
  }
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = deepestIssue(result.error.issues);
  const param = issue ? paramPath(issue.path) : null;
  const message = issue
    ? `Invalid value for '${param || 'body'}': ${issue.message}`
    : 'Invalid request body.';
  const missing = issue?.code === 'invalid_type' && valueAt(body, issue.path) === undefined;
  throw invalidRequest(message, param || null, missing ? 'missing_required_parameter' : issue?.code === 'invalid_type' ? 'invalid_type' : 'invalid_value');
}
