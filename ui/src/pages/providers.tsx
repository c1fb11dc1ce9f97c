// Providers: health, each model's circuit, the last error and latency, probe latency history, capabilities.
import type { ProviderView } from '../api.js';
import { Loading } from '../components/bits.js';
import { ms } from '../format.js';
import { useData } from '../use-data.js';

const CIRCUIT_LABEL = { closed: 'closed', open: 'open', half_open: 'half-open' } as const;

function Probes({ probes }: { probes: ProviderView['probes'] }) {
  if (probes.length === 0) return <p class="muted">No probes yet.</p>;
  const top = Math.max(1, ...probes.map((p) => p.latency_ms ?? 0));
  const okCount = probes.filter((p) => p.ok).length;
  return (
    <figure class="probes">
      <svg viewBox={`0 0 ${probes.length * 4} 32`} preserveAspectRatio="none" role="img" aria-label={`${okCount} of ${probes.length} probes succeeded`}>
        {probes.map((p, i) => {
          const h = p.ok ? Math.max(2, ((p.latency_ms ?? 0) / top) * 30) : 32;
          return <rect key={p.t} x={i * 4} y={32 - h} width={3} height={h} class={p.ok ? 'ok' : 'bad'} />;
        })}
      </svg>
      <figcaption class="muted">
        Last {probes.length} probes: {okCount} ok, latest {ms(probes.at(-1)?.latency_ms)}
      </figcaption>
    </figure>
  );
}

export function ProvidersPage() {
  const { data, error } = useData<{ data: ProviderView[] }>('/admin/providers');
  return (
    <>
      <div class="page-head">
        <h1>Providers</h1>
      </div>
      {!data ? (
        <Loading error={error} />
      ) : (
        <div class="grid">
          {data.data.map((p) => (
            <section class="card" key={p.id} data-provider={p.id}>
              <header class="card-head">
                <h2>{p.id}</h2>
                <span class={`pill ${p.healthy ? 'ok' : 'bad'}`} data-col="health">
                  {p.healthy ? 'healthy' : 'down'}
                </span>
              </header>
              <p class="muted">
                {p.kind}
                {p.base_url_host && ` · ${p.base_url_host}`}
              </p>
              <div class="scroll">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Model</th>
                      <th scope="col">Circuit</th>
                      <th scope="col" class="num">Last latency</th>
                      <th scope="col">Last error</th>
                    </tr>
                  </thead>
                  <tbody>
                    {p.models.map((m) => (
                      <tr key={m.model} data-model={m.model}>
                        <th scope="row">{m.model}</th>
                        <td>
                          <span class={`pill ${m.circuit === 'closed' ? 'ok' : m.circuit === 'open' ? 'bad' : 'warn'}`} data-col="circuit">
                            {CIRCUIT_LABEL[m.circuit]}
                          </span>
                        </td>
                        <td class="num">{ms(m.last_latency_ms)}</td>
                        <td class="question">{m.last_error ?? ''}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <Probes probes={p.probes} />
              <p class="tags">
                {p.capabilities.map((c) => (
                  <span class="tag" key={c}>
                    {c}
                  </span>
                ))}
              </p>
            </section>
          ))}
        </div>
      )}
    </>
  );
}
