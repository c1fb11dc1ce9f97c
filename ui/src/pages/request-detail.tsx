// One request: who sent it, what it cost, its attempts as a timeline (which provider failed how, which answered),
// and the request and response bodies when the gateway logged them.
import type { Attempt, RequestDetail } from '../api.js';
import { Loading, Section } from '../components/bits.js';
import { count, ms, modelName, statusClass, time, usd } from '../format.js';
import { followLink } from '../router.js';
import { useData } from '../use-data.js';

function Timeline({ attempts, total }: { attempts: Attempt[]; total: number }) {
  if (attempts.length === 0) return <p class="muted">No upstream attempt (refused before routing).</p>;
  const start = Math.min(...attempts.map((a) => Date.parse(a.started_at)));
  const span = Math.max(total, ...attempts.map((a) => Date.parse(a.started_at) - start + a.latency_ms), 1);
  return (
    <ol class="timeline" aria-label="Attempts">
      {attempts.map((a) => {
        const offset = Date.parse(a.started_at) - start;
        const ok = a.status !== null && a.status < 400 && !a.error;
        return (
          <li key={a.attempt} class={ok ? 'ok' : 'bad'} data-attempt={a.attempt}>
            <div class="attempt-head">
              <strong>
                #{a.attempt} {modelName(a.provider, a.model)}
              </strong>
              <span class={`pill ${ok ? 'ok' : statusClass(a.status ?? 599)}`} data-col="attempt-status">
                {a.status ?? 'no answer'}
              </span>
              <span class="muted">
                +{ms(offset)} · {ms(a.latency_ms)}
              </span>
            </div>
            <div class="track" aria-hidden="true">
              <span style={{ left: `${(offset / span) * 100}%`, width: `${Math.max(1, (a.latency_ms / span) * 100)}%` }} />
            </div>
            {a.error && (
              <p class="attempt-error">
                {a.error_code && <code>{a.error_code}</code>} {a.error}
              </p>
            )}
          </li>
        );
      })}
    </ol>
  );
}

const json = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value, null, 2));

export function RequestDetailPage({ id }: { id: string }) {
  const { data: r, error } = useData<RequestDetail>(`/admin/requests/${encodeURIComponent(id)}`);
  return (
    <>
      <p>
        <a href="/ui/requests" onClick={followLink}>
          ← Requests
        </a>
      </p>
      {!r ? (
        <Loading error={error} />
      ) : (
        <>
          <div class="page-head">
            <h1>
              <span class={`pill ${statusClass(r.status)}`}>{r.status}</span> {r.endpoint}
            </h1>
          </div>
          <Section title="Summary">
            <dl class="facts">
              <dt>Time</dt>
              <dd>{time(r.created_at)}</dd>
              <dt>Asked for</dt>
              <dd>{r.requested_model ?? '–'}</dd>
              <dt>Answered by</dt>
              <dd data-fact="answered_by">{modelName(r.provider, r.model)}</dd>
              <dt>Latency</dt>
              <dd>
                {ms(r.latency_ms)}
                {r.ttft_ms !== null && ` (first token ${ms(r.ttft_ms)})`}
              </dd>
              <dt>Key / team</dt>
              <dd>
                {r.key_id ?? '–'} / {r.team_id ?? '–'}
              </dd>
              <dt>Session</dt>
              <dd>{r.session_id ?? '–'}</dd>
              <dt>Request id</dt>
              <dd>
                <code>{r.x_request_id ?? r.id}</code>
              </dd>
              {r.error_code && (
                <>
                  <dt>Error</dt>
                  <dd>
                    <code>{r.error_code}</code> {r.error}
                  </dd>
                </>
              )}
            </dl>
          </Section>
          <Section title="Usage and cost">
            <dl class="stats compact">
              <div class="stat">
                <dt>Prompt tokens</dt>
                <dd data-stat="prompt_tokens">{count(r.prompt_tokens)}</dd>
              </div>
              <div class="stat">
                <dt>Completion tokens</dt>
                <dd data-stat="completion_tokens">{count(r.completion_tokens)}</dd>
              </div>
              <div class="stat">
                <dt>Cached / reasoning</dt>
                <dd>
                  {count(r.cached_tokens)} / {count(r.reasoning_tokens)}
                </dd>
              </div>
              <div class="stat">
                <dt>Cost</dt>
                <dd data-stat="cost_usd">{usd(r.cost_usd)}</dd>
              </div>
            </dl>
          </Section>
          <Section title={`Attempts (${r.timeline.length})`}>
            <Timeline attempts={r.timeline} total={r.latency_ms} />
          </Section>
          <Section title="Request">
            {r.request_body === null || r.request_body === undefined ? <p class="muted">Not logged (LOG_BODIES=false).</p> : <pre class="body">{json(r.request_body)}</pre>}
          </Section>
          <Section title="Response">
            {r.content || r.tool_calls ? (
              <>
                {r.content && <pre class="body" data-body="content">{r.content}</pre>}
                {r.tool_calls !== null && r.tool_calls !== undefined && <pre class="body">{json(r.tool_calls)}</pre>}
                <p class="muted">Finish reason: {r.finish_reason ?? '–'}</p>
              </>
            ) : (
              <p class="muted">No content{r.error ? `: ${r.error}` : '.'}</p>
            )}
          </Section>
        </>
      )}
    </>
  );
}
