// Requests: filters (kept in the address, so a view can be shared), the newest first, a live tail that asks for
// rows newer than the newest shown every second, and older pages by cursor.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type Page, type RequestSummary } from '../api.js';
import { Loading } from '../components/bits.js';
import { count, ms, modelName, shortTime, statusClass, usd } from '../format.js';
import { followLink, navigate } from '../router.js';

const TEXT_FILTERS = [
  { name: 'q', label: 'Question contains' },
  { name: 'model', label: 'Model' },
  { name: 'provider', label: 'Provider' },
  { name: 'key_id', label: 'Key id' },
  { name: 'team_id', label: 'Team id' },
  { name: 'session_id', label: 'Session' },
] as const;
const STATUSES = ['', '2xx', '4xx', '5xx', 'error', '429'];
const ENDPOINTS = ['', '/v1/chat/completions', '/v1/responses', '/v1/messages', '/v1/embeddings', '/api/ask', '/api/streaming', '/ws'];
const FILTER_NAMES = [...TEXT_FILTERS.map((f) => f.name), 'status', 'endpoint', 'from', 'to'];
const TAIL_MS = 1000;

const filtersOf = (query: URLSearchParams) => Object.fromEntries(FILTER_NAMES.map((n) => [n, query.get(n) ?? '']));
/** datetime-local inputs speak local time without a zone; the API takes ISO instants. */
const instant = (local: string) => (local ? new Date(local).toISOString() : undefined);

function Filters({ initial }: { initial: Record<string, string> }) {
  const apply = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const params = new URLSearchParams();
    for (const name of FILTER_NAMES) {
      const value = String(form.get(name) ?? '').trim();
      if (value) params.set(name, value);
    }
    const text = params.toString();
    navigate(`/requests${text ? `?${text}` : ''}`);
  };
  return (
    <form class="filters" onSubmit={apply} aria-label="Filters">
      {TEXT_FILTERS.map((f) => (
        <label key={f.name}>
          {f.label}
          <input name={f.name} defaultValue={initial[f.name]} />
        </label>
      ))}
      <label>
        Status
        <select name="status" defaultValue={initial.status}>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s || 'any'}
            </option>
          ))}
        </select>
      </label>
      <label>
        Endpoint
        <select name="endpoint" defaultValue={initial.endpoint}>
          {ENDPOINTS.map((s) => (
            <option key={s} value={s}>
              {s || 'any'}
            </option>
          ))}
        </select>
      </label>
      <label>
        From
        <input type="datetime-local" name="from" defaultValue={initial.from} />
      </label>
      <label>
        To
        <input type="datetime-local" name="to" defaultValue={initial.to} />
      </label>
      <div class="actions">
        <button type="submit">Apply filters</button>
        <a class="button quiet" href="/ui/requests" onClick={followLink}>
          Clear
        </a>
      </div>
    </form>
  );
}

function Row({ row, fresh }: { row: RequestSummary; fresh: boolean }) {
  const tokens = (row.prompt_tokens ?? 0) + (row.completion_tokens ?? 0);
  return (
    <tr class={fresh ? 'fresh' : undefined} data-id={row.id}>
      <td>
        <a href={`/ui/requests/${encodeURIComponent(row.id)}`} onClick={followLink} title={row.created_at}>
          {shortTime(row.created_at)}
        </a>
      </td>
      <td>
        <span class={`pill ${statusClass(row.status)}`} data-col="status">
          {row.status}
        </span>
      </td>
      <td class="hide-narrow">{row.endpoint}</td>
      <td data-col="model">
        {modelName(row.provider, row.model)}
        {row.attempts > 1 && <span class="muted"> · {row.attempts} attempts</span>}
      </td>
      <td class="num">{ms(row.latency_ms)}</td>
      <td class="num hide-narrow">{tokens ? count(tokens) : '–'}</td>
      <td class="num hide-narrow">{usd(row.cost_usd)}</td>
      <td class="question" data-col="question">{row.error_code ?? row.question ?? ''}</td>
    </tr>
  );
}

export function RequestsPage({ query }: { query: URLSearchParams }) {
  const filters = filtersOf(query);
  const key = JSON.stringify(filters);
  const apiFilters = { ...filters, from: instant(filters.from ?? ''), to: instant(filters.to ?? '') };
  const [rows, setRows] = useState<RequestSummary[] | undefined>();
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | undefined>();
  const [live, setLive] = useState(true);
  const fresh = useRef(new Set<string>());
  const newest = useRef<string | undefined>(undefined);

  useEffect(() => {
    let active = true;
    setRows(undefined);
    fresh.current.clear();
    api<Page<RequestSummary>>('/admin/requests', { query: { ...apiFilters, limit: 50 } }).then(
      (page) => {
        if (!active) return;
        newest.current = page.head_cursor ?? undefined;
        setRows(page.data);
        setCursor(page.has_more === false ? null : page.next_cursor);
        setError(undefined);
      },
      (err: unknown) => active && setError(err instanceof Error ? err.message : String(err)),
    );
    return () => {
      active = false;
    };
  }, [key]);

  useEffect(() => {
    if (!live || rows === undefined) return;
    let active = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = () => {
      api<Page<RequestSummary>>('/admin/requests', { query: { ...apiFilters, limit: 50, newer_than_cursor: newest.current } })
        .then((page) => {
          if (!active || page.data.length === 0) return;
          newest.current = page.head_cursor ?? newest.current;
          for (const r of page.data) fresh.current.add(r.id);
          // More arrived than a page holds: the rows between would be a silent gap, so the list restarts from the
          // newest page and its cursor reaches the rest.
          if (page.has_more) {
            setRows(page.data);
            setCursor(page.next_cursor);
            return;
          }
          setRows((old) => {
            const seen = new Set(page.data.map((r) => r.id));
            return [...page.data, ...(old ?? []).filter((r) => !seen.has(r.id))];
          });
        })
        .catch(() => undefined)
        .finally(() => {
          if (active) timer = setTimeout(poll, TAIL_MS);
        });
    };
    timer = setTimeout(poll, TAIL_MS);
    return () => {
      active = false;
      clearTimeout(timer);
    };
  }, [live, key, rows === undefined]);

  const older = () => {
    if (!cursor) return;
    api<Page<RequestSummary>>('/admin/requests', { query: { ...apiFilters, limit: 50, cursor } }).then(
      (page) => {
        setRows((old) => [...(old ?? []), ...page.data]);
        setCursor(page.has_more === false ? null : page.next_cursor);
      },
      (err: unknown) => setError(err instanceof Error ? err.message : String(err)),
    );
  };

  return (
    <>
      <div class="page-head">
        <h1>Requests</h1>
        <label class="switch">
          <input type="checkbox" checked={live} onChange={(e) => setLive(e.currentTarget.checked)} /> Live tail (every second)
        </label>
      </div>
      <Filters key={key} initial={filters} />
      {rows === undefined ? (
        <Loading error={error} />
      ) : rows.length === 0 ? (
        <p class="muted" data-empty="requests">
          No requests match.
        </p>
      ) : (
        <div class="scroll card flush">
          <table class="requests" aria-live="polite">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Status</th>
                <th scope="col" class="hide-narrow">Endpoint</th>
                <th scope="col">Model</th>
                <th scope="col" class="num">Latency</th>
                <th scope="col" class="num hide-narrow">Tokens</th>
                <th scope="col" class="num hide-narrow">Cost</th>
                <th scope="col">Question / error</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <Row key={r.id} row={r} fresh={fresh.current.has(r.id)} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {cursor && rows && (
        <p>
          <button type="button" class="quiet" onClick={older}>
            Older requests
          </button>
        </p>
      )}
    </>
  );
}
