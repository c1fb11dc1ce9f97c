// Overview: the window's totals, what fired (fallbacks, retries, refusals, breaker trips), charts bucketed by the
// server, and the same figures per provider and model.
import { useMemo, useState } from 'preact/hooks';
import type { Overview, OverviewWindow } from '../api.js';
import { Stat, Loading, Section } from '../components/bits.js';
import { Chart, type Line } from '../components/chart.js';
import { count, modelName, ms, percent, usd } from '../format.js';
import { useData } from '../use-data.js';

const WINDOWS: Array<{ id: OverviewWindow; label: string }> = [
  { id: 'hour', label: 'Last hour' },
  { id: 'day', label: 'Last day' },
  { id: 'week', label: 'Last week' },
];

const BLUE = '#3b82f6';
const RED = '#e5484d';
const AMBER = '#d97706';
const GREEN = '#16a34a';

function charts(o: Overview) {
  const x = o.series.map((b) => Date.parse(b.t) / 1000);
  const per = (pick: (b: Overview['series'][number]) => number | null): Array<number | null> => o.series.map(pick);
  const list: Array<{ title: string; lines: Line[]; format?: (n: number) => string; tick?: (n: number) => string }> = [
    { title: 'Requests per second', lines: [{ label: 'req/s', color: BLUE, values: per((b) => b.requests / o.bucket_seconds) }], format: (n) => n.toFixed(n < 1 ? 3 : 1) },
    { title: 'Error rate', lines: [{ label: 'errors', color: RED, values: per((b) => (b.requests ? b.errors / b.requests : null)), sparse: true }], format: (n) => percent(n) },
    {
      title: 'Latency',
      lines: [
        { label: 'p50', color: BLUE, values: per((b) => b.p50_ms), sparse: true },
        { label: 'p99', color: AMBER, values: per((b) => b.p99_ms), sparse: true },
      ],
      format: (n) => ms(n),
    },
    { title: 'Time to first token (p50)', lines: [{ label: 'TTFT', color: GREEN, values: per((b) => b.ttft_p50_ms), sparse: true }], format: (n) => ms(n) },
    { title: 'Tokens', lines: [{ label: 'tokens', color: BLUE, values: per((b) => b.tokens) }], format: (n) => count(n) },
    { title: 'Cost', lines: [{ label: 'USD', color: AMBER, values: per((b) => b.cost_usd) }], format: (n) => usd(n), tick: (n) => `$${Number(n.toPrecision(2))}` },
  ];
  return { x, list };
}

export function OverviewPage() {
  const [span, setSpan] = useState<OverviewWindow>('hour');
  const { data, error } = useData<Overview>('/admin/overview', { window: span });
  const drawn = useMemo(() => (data ? charts(data) : undefined), [data]);
  const t = data?.totals;
  return (
    <>
      <div class="page-head">
        <h1>Overview</h1>
        <div class="tabs" role="group" aria-label="Window">
          {WINDOWS.map((w) => (
            <button key={w.id} type="button" aria-pressed={span === w.id} onClick={() => setSpan(w.id)}>
              {w.label}
            </button>
          ))}
        </div>
      </div>
      {!data || !t || !drawn ? (
        <Loading error={error} />
      ) : (
        <>
          <dl class="stats">
            <Stat name="requests" label="Requests" value={count(t.requests)} />
            <Stat name="error_rate" label="Error rate" value={percent(t.error_rate)} hint={`${t.errors} errors`} />
            <Stat name="p50_ms" label="p50 latency" value={ms(t.p50_ms)} />
            <Stat name="p99_ms" label="p99 latency" value={ms(t.p99_ms)} />
            <Stat name="ttft_p50_ms" label="TTFT p50" value={ms(t.ttft_p50_ms)} />
            <Stat name="tokens" label="Tokens (in / out)" value={`${count(t.prompt_tokens)} / ${count(t.completion_tokens)}`} />
            <Stat name="cost_usd" label="Cost" value={usd(t.cost_usd)} />
          </dl>
          <Section title="What fired">
            <dl class="stats compact">
              <Stat name="errors" label="Errors" value={count(t.errors)} />
              <Stat name="fallbacks" label="Fallbacks" value={count(t.fallbacks)} />
              <Stat name="retries" label="Retries" value={count(t.retries)} />
              <Stat name="rate_limited" label="Rate-limit refusals" value={count(t.rate_limited)} />
              <Stat name="budget_refused" label="Budget refusals" value={count(t.budget_refused)} />
              <Stat name="breaker_trips" label="Breaker trips" value={count(t.breaker_trips)} />
            </dl>
          </Section>
          <div class="charts">
            {drawn.list.map((c) => (
              <Chart key={`${span}-${c.title}`} title={c.title} x={drawn.x} lines={c.lines} format={c.format} tick={c.tick} />
            ))}
          </div>
          <Section title="By provider and model">
            <div class="scroll">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Model</th>
                    <th scope="col" class="num">Requests</th>
                    <th scope="col" class="num">Errors</th>
                    <th scope="col" class="num">p50</th>
                    <th scope="col" class="num">Tokens</th>
                    <th scope="col" class="num">Cost</th>
                  </tr>
                </thead>
                <tbody>
                  {data.by_model.map((m) => (
                    <tr key={modelName(m.provider, m.model)} data-model={modelName(m.provider, m.model)}>
                      <th scope="row">{modelName(m.provider, m.model)}</th>
                      <td class="num" data-col="requests">{count(m.requests)}</td>
                      <td class="num" data-col="errors">{count(m.errors)}</td>
                      <td class="num">{ms(m.p50_ms)}</td>
                      <td class="num" data-col="tokens">{count(m.tokens)}</td>
                      <td class="num" data-col="cost_usd">{usd(m.cost_usd)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </Section>
        </>
      )}
    </>
  );
}
