/** The dashboard: login, then the shell with navigation and the live stream. */
import { useEffect, useState } from 'preact/hooks';
import { api, errorText, setUnauthorizedHandler } from './api.ts';
import type { Me, Site } from './api-types.ts';
import { EventsView } from './events-view.tsx';
import { LimitsView } from './limits-view.tsx';
import { PlanView } from './plan-view.tsx';
import { live, useLive } from './live.ts';
import { LocalListView } from './local-list-view.tsx';
import { LoginView } from './login-view.tsx';
import { OverviewView } from './overview-view.tsx';
import { PortsView } from './ports-view.tsx';
import { applyDocumentLang, msg } from './i18n.ts';
import { LangSwitch, useLang } from './lang-switch.tsx';
import { href, useRoute } from './router.ts';
import { SessionsView } from './sessions-view.tsx';
import { SiteContext } from './site-context.ts';
import { StationsView } from './stations-view.tsx';

// Asked in parallel as the bundle starts, not one after the other: a logged-in visitor needs all of them
// for the first screen (a logged-out one gets 401s and the login page).
const firstMe = api<Me>('/auth/me');
let firstSite: Promise<Site> | null = api<Site>('/site');
firstSite.catch(() => {});
live.preload();

/** The site description: the one asked for at page load the first time, if it came. */
function loadSite(): Promise<Site> {
  const p = firstSite;
  firstSite = null;
  return p ? p.catch(() => api<Site>('/site')) : api<Site>('/site');
}

/** Root component: asks who is logged in, shows the login page or the dashboard. */
export function App() {
  // undefined: still asking the server.
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  // The root follows the language: a switch re-renders every view in the new one.
  const lang = useLang();
  useEffect(applyDocumentLang, [lang]);
  useEffect(() => {
    setUnauthorizedHandler(() => {
      live.stop();
      setMe(null);
    });
    firstMe.then(setMe, () => setMe(null));
  }, []);
  if (me === undefined) return <p class="loading">{msg().loading}</p>;
  if (me === null) return <LoginView onLogin={setMe} />;
  return (
    <Shell
      me={me}
      onLogout={() => {
        live.stop();
        setMe(null);
      }}
    />
  );
}

const NAV = [
  ['', 'navOverview'],
  ['ports', 'navPorts'],
  ['sessions', 'navSessions'],
  ['events', 'navEvents'],
  ['limits', 'navLimits'],
  ['plan', 'navPlan'],
  ['stations', 'navStations'],
] as const;

/** Pages for operators only (their API refuses viewers). */
const OPERATOR_NAV = [['id-tags', 'navIdTags']] as const;

function Shell({ me, onLogout }: { me: Me; onLogout: () => void }) {
  const [site, setSite] = useState<Site | null>(null);
  const [error, setError] = useState<string | null>(null);
  const route = useRoute();
  const t = msg();
  useEffect(() => {
    live.start();
    loadSite().then(setSite, (err: unknown) => setError(errorText(err)));
  }, []);
  const logout = async () => {
    try {
      await api('/auth/logout', { method: 'POST' });
    } finally {
      onLogout();
    }
  };
  return (
    <div class="shell">
      <header class="top">
        <a class="brand" href="#/">
          Fusebox{site ? <span class="site-name"> · {site.name}</span> : null}
        </a>
        <StreamStatus />
        <span class="user">
          {me.username} (
          {me.role === 'operator' ? t.roleOperator : me.role === 'viewer' ? t.roleViewer : me.role})
        </span>
        <LangSwitch />
        <button type="button" class="link-button" onClick={() => void logout()}>
          {t.logOut}
        </button>
      </header>
      <nav class="main-nav" aria-label={t.navMain}>
        {[...NAV, ...(me.role === 'operator' ? OPERATOR_NAV : [])].map(([view, label]) => (
          <a key={view} href={href(view)} aria-current={route.view === view ? 'page' : undefined}>
            {t[label]}
          </a>
        ))}
      </nav>
      <main>
        {error ? (
          <p class="error" role="alert">
            {t.siteLoadFailed(error)}
          </p>
        ) : site ? (
          <SiteContext.Provider value={{ site, me }}>
            <RouteView view={route.view} id={route.id} />
          </SiteContext.Provider>
        ) : (
          <p class="loading">{t.loadingSite}</p>
        )}
      </main>
    </div>
  );
}

function RouteView({ view, id }: { view: string; id: string | null }) {
  switch (view) {
    case 'ports':
      return <PortsView selectedId={id} />;
    case 'sessions':
      return <SessionsView />;
    case 'events':
      return <EventsView />;
    case 'limits':
      return <LimitsView circuitId={id} />;
    case 'stations':
      return <StationsView />;
    case 'plan':
      return <PlanView />;
    case 'id-tags':
      return <LocalListView />;
    default:
      return <OverviewView />;
  }
}

function StreamStatus() {
  const { status } = useLive();
  const t = msg();
  const text =
    status === 'live' ? t.streamLive : status === 'connecting' ? t.streamConnecting : t.streamReconnecting;
  return (
    <span class={`stream stream-${status}`} role="status" aria-live="polite">
      <span class="dot" aria-hidden="true" />
      {text}
    </span>
  );
}
