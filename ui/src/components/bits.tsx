// Small pieces every page uses: a figure with its label, a usage bar, loading and error lines.
import type { ComponentChildren } from 'preact';

export function Stat({ name, label, value, hint }: { name: string; label: string; value: string; hint?: string }) {
  return (
    <div class="stat">
      <dt>{label}</dt>
      <dd data-stat={name} title={hint}>
        {value}
      </dd>
    </div>
  );
}

export function Bar({ ratio, label }: { ratio: number; label: string }) {
  const shown = Math.max(0, Math.min(1, ratio));
  return (
    <div class={`bar ${ratio >= 1 ? 'over' : ratio >= 0.8 ? 'near' : ''}`} role="meter" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(ratio * 100)} aria-label={label}>
      <span style={{ width: `${shown * 100}%` }} />
    </div>
  );
}

export function Loading({ error, children }: { error?: string; children?: ComponentChildren }) {
  if (error)
    return (
      <p class="error" role="alert">
        {error}
      </p>
    );
  return <p class="muted">{children ?? 'Loading…'}</p>;
}

export function Section({ title, children, actions }: { title: string; children: ComponentChildren; actions?: ComponentChildren }) {
  return (
    <section class="card">
      <header class="card-head">
        <h2>{title}</h2>
        {actions}
      </header>
      {children}
    </section>
  );
}
