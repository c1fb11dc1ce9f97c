// Keys and teams: create a team, create a key (its secret shown once, with a copy button), edit limits and
// budgets, revoke. Needs GATEWAY_ADMIN_KEY: open mode has no key directory, and the page says so.
import { useState } from 'preact/hooks';
import { api, ApiError, type Page, type SessionState, type Team, type VirtualKey } from '../api.js';
import { Loading, Section } from '../components/bits.js';
import { LimitFields, limitsFrom, limitsText } from '../components/limits.js';
import { time } from '../format.js';
import { useData } from '../use-data.js';

const message = (err: unknown) => (err instanceof ApiError || err instanceof Error ? err.message : String(err));

function NewSecret({ secret, onDone }: { secret: string; onDone: () => void }) {
  const [copied, setCopied] = useState<string | undefined>();
  const copy = () => {
    navigator.clipboard.writeText(secret).then(
      () => setCopied('Copied.'),
      () => setCopied('The browser refused: select the key and copy it.'),
    );
  };
  return (
    <div class="secret" role="alert">
      <p>
        <strong>Copy this key now: it is not shown again.</strong>
      </p>
      <code data-secret>{secret}</code>
      <div class="actions">
        <button type="button" onClick={copy}>
          Copy key
        </button>
        <button type="button" class="quiet" onClick={onDone}>
          Done
        </button>
        {copied && <span class="muted">{copied}</span>}
      </div>
    </div>
  );
}

function Editor({ kind, item, onSaved }: { kind: 'keys' | 'teams'; item: Team | VirtualKey; onSaved: () => void }) {
  const [error, setError] = useState<string | undefined>();
  const save = (event: Event) => {
    event.preventDefault();
    api(`/admin/${kind}/${item.id}`, { method: 'PATCH', body: limitsFrom(new FormData(event.currentTarget as HTMLFormElement)) }).then(onSaved, (err: unknown) => setError(message(err)));
  };
  return (
    <form class="inline-form" onSubmit={save} aria-label={`Limits of ${item.name ?? item.id}`}>
      <LimitFields prefix={`edit-${item.id}`} initial={item} />
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="actions">
        <button type="submit">Save limits</button>
      </div>
    </form>
  );
}

function KeyRow({ k, team, onChanged }: { k: VirtualKey; team: string; onChanged: () => void }) {
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const revoke = () => {
    api(`/admin/keys/${k.id}/revoke`, { method: 'POST' }).then(onChanged, onChanged);
  };
  return (
    <li class="item" data-key={k.id}>
      <div class="item-head">
        <strong>{k.name ?? k.id}</strong> <code>{k.key_prefix}…</code>
        <span class={`pill ${k.revoked_at ? 'bad' : 'ok'}`} data-col="key-state">
          {k.revoked_at ? 'revoked' : 'active'}
        </span>
      </div>
      <p class="muted">
        team {team} · {limitsText(k)}
        {k.revoked_at && ` · revoked ${time(k.revoked_at)}`}
      </p>
      {!k.revoked_at && (
        <div class="actions">
          <button type="button" class="quiet" aria-expanded={editing} onClick={() => setEditing(!editing)}>
            Edit limits
          </button>
          {confirming ? (
            <button type="button" class="danger" onClick={revoke}>
              Confirm revoke
            </button>
          ) : (
            <button type="button" class="quiet" onClick={() => setConfirming(true)}>
              Revoke
            </button>
          )}
        </div>
      )}
      {editing && <Editor kind="keys" item={k} onSaved={() => (setEditing(false), onChanged())} />}
    </li>
  );
}

function TeamRow({ t, onChanged }: { t: Team; onChanged: () => void }) {
  const [editing, setEditing] = useState(false);
  return (
    <li class="item" data-team={t.id}>
      <div class="item-head">
        <strong>{t.name}</strong> <code>{t.id}</code>
      </div>
      <p class="muted">{limitsText(t)}</p>
      <div class="actions">
        <button type="button" class="quiet" aria-expanded={editing} onClick={() => setEditing(!editing)}>
          Edit limits
        </button>
      </div>
      {editing && <Editor kind="teams" item={t} onSaved={() => (setEditing(false), onChanged())} />}
    </li>
  );
}

function Manage() {
  const teams = useData<Page<Team>>('/admin/teams', { limit: 100 });
  const keys = useData<Page<VirtualKey>>('/admin/keys', { limit: 100 });
  const [secret, setSecret] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  const changed = () => {
    teams.reload();
    keys.reload();
  };
  const create = (kind: 'teams' | 'keys') => (event: Event) => {
    event.preventDefault();
    const formEl = event.currentTarget as HTMLFormElement;
    const form = new FormData(formEl);
    const name = String(form.get('name') ?? '').trim();
    const body = { ...limitsFrom(form), name: name || (kind === 'keys' ? null : undefined), ...(kind === 'keys' ? { team_id: String(form.get('team_id')) } : {}) };
    setError(undefined);
    api<{ key?: string }>(`/admin/${kind}`, { method: 'POST', body }).then(
      (made) => {
        formEl.reset();
        if (made.key) setSecret(made.key);
        changed();
      },
      (err: unknown) => setError(message(err)),
    );
  };
  if (!teams.data || !keys.data) return <Loading error={teams.error ?? keys.error} />;
  const teamName = new Map(teams.data.data.map((t) => [t.id, t.name]));
  return (
    <>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {secret && <NewSecret secret={secret} onDone={() => setSecret(undefined)} />}
      <div class="grid two">
        <Section title="Keys">
          {teams.data.data.length === 0 ? (
            <p class="muted">Create a team first: every key belongs to one.</p>
          ) : (
            <form class="inline-form" onSubmit={create('keys')} aria-label="New key">
              <label>
                Team
                <select name="team_id" required>
                  {teams.data.data.map((t) => (
                    <option key={t.id} value={t.id}>
                      {t.name}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                Key name
                <input name="name" maxLength={200} />
              </label>
              <LimitFields prefix="new-key" />
              <div class="actions">
                <button type="submit">Create key</button>
              </div>
            </form>
          )}
          <ul class="items">
            {keys.data.data.map((k) => (
              <KeyRow key={`${k.id}:${k.revoked_at ?? ''}:${k.updated_at ?? ''}`} k={k} team={teamName.get(k.team_id) ?? k.team_id} onChanged={changed} />
            ))}
          </ul>
        </Section>
        <Section title="Teams">
          <form class="inline-form" onSubmit={create('teams')} aria-label="New team">
            <label>
              Team name
              <input name="name" required maxLength={200} />
            </label>
            <LimitFields prefix="new-team" />
            <div class="actions">
              <button type="submit">Create team</button>
            </div>
          </form>
          <ul class="items">
            {teams.data.data.map((t) => (
              <TeamRow key={`${t.id}:${t.updated_at ?? ''}`} t={t} onChanged={changed} />
            ))}
          </ul>
        </Section>
      </div>
    </>
  );
}

export function KeysPage({ session }: { session: SessionState }) {
  return (
    <>
      <div class="page-head">
        <h1>Keys and teams</h1>
      </div>
      {session.signed_in ? (
        <Manage />
      ) : (
        <p class="card">
          Managing keys and teams needs <code>GATEWAY_ADMIN_KEY</code>: set it, restart the gateway and sign in with it. (Without an admin key there are no virtual keys.)
        </p>
      )}
    </>
  );
}
