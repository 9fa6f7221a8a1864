/** Login page; shows the demo account when the server runs the demo site. */
import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from './api.ts';
import type { AuthConfig, Me } from './api-types.ts';
import { msg } from './i18n.ts';
import { LangSwitch } from './lang-switch.tsx';
import { ErrorLine } from './error-line.tsx';

/** Username and password form; calls onLogin with the account once the cookie is set. */
export function LoginView({ onLogin }: { onLogin: (me: Me) => void }) {
  const [config, setConfig] = useState<AuthConfig | null>(null);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    api<AuthConfig>('/auth/config').then(setConfig, () => setConfig({ demo: false }));
  }, []);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onLogin(await api<Me>('/auth/login', { method: 'POST', body: { username, password } }));
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  const t = msg();
  return (
    <main class="login">
      <h1>Fusebox</h1>
      <LangSwitch />
      <form onSubmit={(e) => void submit(e)} aria-labelledby="login-title">
        <h2 id="login-title">{t.login}</h2>
        {config?.demo ? (
          <p class="hint" data-testid="demo-hint">
            {t.demoHintBefore}
            <strong>{config.demoUser}</strong>
            {t.demoHintMiddle}
            <strong>{config.demoPassword}</strong>.
          </p>
        ) : null}
        <label>
          {t.username}
          <input
            name="username"
            autocomplete="username"
            required
            value={username}
            onInput={(e) => setUsername(e.currentTarget.value)}
          />
        </label>
        <label>
          {t.password}
          <input
            name="password"
            type="password"
            autocomplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        <button type="submit" disabled={busy}>
          {busy ? t.loggingIn : t.loginSubmit}
        </button>
        <ErrorLine error={error} />
      </form>
    </main>
  );
}
