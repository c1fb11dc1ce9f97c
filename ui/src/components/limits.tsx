// The limit and budget fields a team and a key share, read from a form into the admin API's body (empty → null).
import type { Limits } from '../api.js';

const PERIODS = ['', 'day', 'week', 'month', 'total'];

const intOrNull = (text: string) => (text.trim() === '' ? null : Number.parseInt(text, 10));
const numberOrNull = (text: string) => (text.trim() === '' ? null : Number(text));

export function limitsFrom(form: FormData): Partial<Limits> {
  const text = (name: string) => String(form.get(name) ?? '');
  const models = text('allowed_models')
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean);
  return {
    allowed_models: models.length ? models : null,
    rpm: intOrNull(text('rpm')),
    tpm: intOrNull(text('tpm')),
    max_parallel: intOrNull(text('max_parallel')),
    budget_usd: numberOrNull(text('budget_usd')),
    budget_period: text('budget_period') || null,
  };
}

export const limitsText = (l: Limits) =>
  [
    l.rpm && `${l.rpm} rpm`,
    l.tpm && `${l.tpm} tpm`,
    l.max_parallel && `${l.max_parallel} parallel`,
    l.budget_usd !== null && `$${l.budget_usd}/${l.budget_period ?? 'total'}`,
    l.allowed_models && `models: ${l.allowed_models.join(', ')}`,
  ]
    .filter(Boolean)
    .join(' · ') || 'no limits';

/** `prefix` keeps ids unique when several forms are on the page. */
export function LimitFields({ prefix, initial }: { prefix: string; initial?: Limits }) {
  const field = (name: keyof Limits, label: string, extra: Record<string, string> = {}) => (
    <label>
      {label}
      <input id={`${prefix}-${name}`} name={name} inputMode="decimal" defaultValue={initial?.[name] === null || initial?.[name] === undefined ? '' : String(initial[name])} {...extra} />
    </label>
  );
  return (
    <>
      {field('budget_usd', 'Budget (USD)', { type: 'number', min: '0', step: 'any' })}
      <label>
        Budget period
        <select name="budget_period" defaultValue={initial?.budget_period ?? ''}>
          {PERIODS.map((p) => (
            <option key={p} value={p}>
              {p || '(none)'}
            </option>
          ))}
        </select>
      </label>
      {field('rpm', 'Requests / minute', { type: 'number', min: '1', step: '1' })}
      {field('tpm', 'Tokens / minute', { type: 'number', min: '1', step: '1' })}
      {field('max_parallel', 'Max parallel', { type: 'number', min: '1', step: '1' })}
      <label>
        Allowed models (comma-separated)
        <input name="allowed_models" placeholder="* or openai/*" defaultValue={initial?.allowed_models?.join(', ') ?? ''} />
      </label>
    </>
  );
}
