// Spend: the log rows' cost summed by key, team, model, provider or day, and every budget with how much is used.
import { useState } from 'preact/hooks';
import type { Budget, SpendRow } from '../api.js';
import { Bar, Loading, Section } from '../components/bits.js';
import { count, time, usd } from '../format.js';
import { useData } from '../use-data.js';

const GROUPS = ['key', 'team', 'model', 'provider', 'day'] as const;
type Group = (typeof GROUPS)[number];

function Budgets() {
  const { data, error } = useData<{ data: Budget[] }>('/admin/budgets');
  if (!data) return <Loading error={error} />;
  if (data.data.length === 0) return <p class="muted">No key or team has a budget.</p>;
  return (
    <ul class="budgets">
      {data.data.map((b) => {
        const ratio = b.budget_usd > 0 ? b.used_usd / b.budget_usd : 0;
        const label = `${b.subject} ${b.name ?? b.id}`;
        return (
          <li key={`${b.subject}:${b.id}`} data-budget={b.id}>
            <div class="budget-head">
              <strong>{label}</strong>
              <span data-col="used">
                {usd(b.used_usd)} of {usd(b.budget_usd)} ({Math.round(ratio * 100)}%)
              </span>
            </div>
            <Bar ratio={ratio} label={`${label} budget used`} />
            <p class="muted">
              {b.budget_period ?? 'total'}
              {b.period_start && `, since ${time(b.period_start)}`}
            </p>
          </li>
        );
      })}
    </ul>
  );
}

export function SpendPage() {
  const [group, setGroup] = useState<Group>('model');
  const { data, error } = useData<{ data: SpendRow[] }>('/admin/spend', { group_by: group });
  const top = Math.max(0, ...(data?.data.map((r) => r.cost_usd) ?? []));
  return (
    <>
      <div class="page-head">
        <h1>Spend</h1>
      </div>
      <Section title="Spend by">
        <div class="tabs" role="group" aria-label="Group by">
          {GROUPS.map((g) => (
            <button key={g} type="button" aria-pressed={group === g} onClick={() => setGroup(g)}>
              {g}
            </button>
          ))}
        </div>
        {!data ? (
          <Loading error={error} />
        ) : (
          <div class="scroll">
            <table class="spend">
              <thead>
                <tr>
                  <th scope="col">{group}</th>
                  <th scope="col" class="num">Requests</th>
                  <th scope="col" class="num hide-narrow">Tokens in / out</th>
                  <th scope="col" class="num">Cost</th>
                  <th scope="col" class="hide-narrow">
                    <span class="visually-hidden">Share</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.data.map((r) => (
                  <tr key={r.group ?? '(none)'} data-group={r.group ?? '(none)'}>
                    <th scope="row">{r.group ?? '(none)'}</th>
                    <td class="num" data-col="requests">{count(r.requests)}</td>
                    <td class="num hide-narrow">
                      {count(r.prompt_tokens)} / {count(r.completion_tokens)}
                    </td>
                    <td class="num" data-col="cost_usd">{usd(r.cost_usd)}</td>
                    <td class="hide-narrow">
                      <Bar ratio={top > 0 ? r.cost_usd / top : 0} label={`share of the largest`} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Section>
      <Section title="Budgets">
        <Budgets />
      </Section>
    </>
  );
}
