// The sign-in page: the admin key, once, exchanged for a session cookie the page itself never sees.
import { useState } from 'preact/hooks';
import { api } from '../api.js';

export function SignInPage({ adminEnabled, onSignedIn }: { adminEnabled: boolean; onSignedIn: () => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  if (!adminEnabled)
    return (
      <section class="card narrow">
        <h1>Console</h1>
        <p>
          This gateway has keys but no admin key, so there is no console to sign in to. Set <code>GATEWAY_ADMIN_KEY</code> and restart.
        </p>
      </section>
    );
  const submit = (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    api('/ui/api/session', { method: 'POST', body: { admin_key: key } }).then(
      () => {
        setKey('');
        onSignedIn();
      },
      (err: unknown) => {
        setBusy(false);
        setError(err instanceof Error && 'status' in err && err.status === 401 ? 'That is not the admin key.' : String(err instanceof Error ? err.message : err));
      },
    );
  };
  return (
    <section class="card narrow">
      <h1>Sign in</h1>
      <form onSubmit={submit}>
        <label for="admin-key">Admin key</label>
        <input id="admin-key" name="admin_key" type="password" autocomplete="current-password" required value={key} onInput={(e) => setKey(e.currentTarget.value)} />
        <p class="muted">The key is exchanged for a session cookie (12 hours); it is not stored in the page.</p>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
    </section>
  );
}
