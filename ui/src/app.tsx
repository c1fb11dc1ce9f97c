// The console shell: asks the gateway who we are, shows sign-in or the pages, the open-mode banner and the nav.
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, setCsrfToken, SIGNED_OUT, type SessionState } from './api.js';
import { followLink, navigate, usePlace } from './router.js';
import { KeysPage } from './pages/keys.js';
import { OverviewPage } from './pages/overview.js';
import { ProvidersPage } from './pages/providers.js';
import { RequestDetailPage } from './pages/request-detail.js';
import { RequestsPage } from './pages/requests.js';
import { SignInPage } from './pages/sign-in.js';
import { SpendPage } from './pages/spend.js';

const NAV = [
  { to: '/', label: 'Overview' },
  { to: '/requests', label: 'Requests' },
  { to: '/providers', label: 'Providers' },
  { to: '/spend', label: 'Spend' },
  { to: '/keys', label: 'Keys and teams' },
];

function Page({ session }: { session: SessionState }) {
  const place = usePlace();
  const detail = /^\/requests\/([^/]+)$/.exec(place.path);
  if (detail?.[1]) return <RequestDetailPage id={decodeURIComponent(detail[1])} />;
  switch (place.path) {
    case '/':
      return <OverviewPage />;
    case '/requests':
      return <RequestsPage query={place.query} />;
    case '/providers':
      return <ProvidersPage />;
    case '/spend':
      return <SpendPage />;
    case '/keys':
      return <KeysPage session={session} />;
    default:
      return (
        <p>
          No such page. <a href="/ui/" onClick={followLink}>Overview</a>
        </p>
      );
  }
}

export function App() {
  const [session, setSession] = useState<SessionState | undefined>();
  const [failure, setFailure] = useState<string | undefined>();
  const place = usePlace();
  const refresh = useCallback(() => {
    api<SessionState>('/ui/api/session').then(
      (s) => {
        setCsrfToken(s.csrf_token);
        setSession(s);
      },
      (err: unknown) => setFailure(err instanceof Error ? err.message : String(err)),
    );
  }, []);
  useEffect(refresh, [refresh]);
  useEffect(() => {
    window.addEventListener(SIGNED_OUT, refresh);
    return () => window.removeEventListener(SIGNED_OUT, refresh);
  }, [refresh]);

  if (failure) return <p class="error" role="alert">The gateway did not answer: {failure}</p>;
  if (!session) return <p class="muted">Loading…</p>;
  const allowed = session.signed_in || session.open_mode;
  const signOut = () => {
    // The pages go first (their polls stop), so none asks for data after the cookie is gone.
    setSession({ ...session, signed_in: false, csrf_token: null });
    navigate('/', true);
    api('/ui/api/session', { method: 'DELETE' }).then(() => setCsrfToken(null), refresh);
  };
  const section = place.path.startsWith('/requests') ? '/requests' : place.path;
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">llm-gateway</span>
        {allowed && (
          <nav aria-label="Console">
            {NAV.map((item) => (
              <a key={item.to} href={`/ui${item.to}`} onClick={followLink} aria-current={section === item.to ? 'page' : undefined}>
                {item.label}
              </a>
            ))}
          </nav>
        )}
        {session.signed_in && (
          <button type="button" class="quiet" onClick={signOut}>
            Sign out
          </button>
        )}
      </header>
      {session.open_mode && (
        <p class="banner" role="status">
          open: no keys configured, loopback only
        </p>
      )}
      <main id="main">{allowed ? <Page session={session} /> : <SignInPage adminEnabled={session.admin_enabled} onSignedIn={refresh} />}</main>
    </>
  );
}
