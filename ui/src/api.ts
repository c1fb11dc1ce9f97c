// Talks to the gateway: same-origin JSON with the session cookie, the CSRF token on every change, and one event
// when the session is gone (the app then shows the sign-in page).
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null,
  ) {
    super(message);
  }
}

let csrfToken: string | null = null;
export const setCsrfToken = (token: string | null) => {
  csrfToken = token;
};

export const SIGNED_OUT = 'gateway:signed-out';

type Query = Record<string, string | number | undefined | null>;

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== null && value !== '') params.set(name, String(value));
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

export async function api<T>(path: string, init: { method?: string; body?: unknown; query?: Query } = {}): Promise<T> {
  const method = init.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json' };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-gateway-csrf'] = csrfToken;
  const res = await fetch(withQuery(path, init.query), {
    method,
    headers,
    credentials: 'same-origin',
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  if (res.status === 204) return undefined as T;
  const body = (await res.json().catch(() => null)) as { error?: { message?: string; code?: string | null } } | null;
  if (!res.ok) {
    if (res.status === 401 && !path.startsWith('/ui/api/session')) window.dispatchEvent(new Event(SIGNED_OUT));
    throw new ApiError(res.status, body?.error?.message ?? `HTTP ${res.status}`, body?.error?.code ?? null);
  }
  return body as T;
}

export interface SessionState {
  signed_in: boolean;
  open_mode: boolean;
  admin_enabled: boolean;
  csrf_token: string | null;
}

export interface RequestSummary {
  id: string;
  created_at: string;
  endpoint: string;
  key_id: string | null;
  team_id: string | null;
  requested_model: string | null;
  provider: string | null;
  model: string | null;
  status: number;
  stream: boolean;
  latency_ms: number;
  ttft_ms: number | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  cost_usd: number | null;
  attempts: number;
  session_id: string | null;
  question: string | null;
  error_code: string | null;
}

export interface Attempt {
  attempt: number;
  started_at: string;
  provider: string;
  model: string;
  status: number | null;
  latency_ms: number;
  error: string | null;
  error_code: string | null;
}

export interface RequestDetail extends RequestSummary {
  request_body: unknown;
  content: string | null;
  tool_calls: unknown;
  finish_reason: string | null;
  error: string | null;
  cached_tokens: number | null;
  reasoning_tokens: number | null;
  x_request_id: string | null;
  timeline: Attempt[];
}

export interface Page<T> {
  object: 'list';
  data: T[];
  has_more?: boolean;
  next_cursor: string | null;
  /** Requests only: the newest row's position, the live tail's anchor. */
  head_cursor?: string | null;
}

export type OverviewWindow = 'hour' | 'day' | 'week';

export interface Overview {
  window: OverviewWindow;
  bucket_seconds: number;
  from: string;
  to: string;
  totals: {
    requests: number;
    errors: number;
    error_rate: number;
    p50_ms: number | null;
    p99_ms: number | null;
    ttft_p50_ms: number | null;
    prompt_tokens: number;
    completion_tokens: number;
    cost_usd: number;
    fallbacks: number;
    retries: number;
    rate_limited: number;
    budget_refused: number;
    breaker_trips: number;
  };
  series: Array<{ t: string; requests: number; errors: number; p50_ms: number | null; p99_ms: number | null; ttft_p50_ms: number | null; tokens: number; cost_usd: number }>;
  by_model: Array<{ provider: string | null; model: string | null; requests: number; errors: number; p50_ms: number | null; tokens: number; cost_usd: number }>;
}

export interface ProviderView {
  id: string;
  kind: string;
  base_url_host: string | null;
  healthy: boolean;
  models: Array<{ model: string; circuit: 'closed' | 'open' | 'half_open'; last_error: string | null; last_latency_ms: number | null }>;
  probes: Array<{ t: string; latency_ms: number | null; ok: boolean }>;
  capabilities: string[];
}

export interface SpendRow {
  group: string | null;
  cost_usd: number;
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
}

export interface Budget {
  subject: 'key' | 'team';
  id: string;
  name: string | null;
  budget_usd: number;
  budget_period: string | null;
  used_usd: number;
  period_start: string | null;
}

export interface Limits {
  updated_at?: string;
  allowed_models: string[] | null;
  rpm: number | null;
  tpm: number | null;
  max_parallel: number | null;
  budget_usd: number | null;
  budget_period: string | null;
}

export interface Team extends Limits {
  id: string;
  name: string;
}

export interface VirtualKey extends Limits {
  id: string;
  team_id: string;
  name: string | null;
  key_prefix: string;
  expires_at: string | null;
  revoked_at: string | null;
}
