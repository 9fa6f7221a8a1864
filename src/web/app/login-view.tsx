/** Login page; shows the demo account when the server runs the demo site. */
import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from './api.ts';
import type { AuthConfig, Me } from './api-types.ts';

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
  return (
    <main class="login">
      <h1>Fusebox</h1>
      <form onSubmit={(e) => void submit(e)} aria-labelledby="login-title">
        <h2 id="login-title">Log in</h2>
        {config?.demo ? (
          <p class="hint" data-testid="demo-hint">
            Demo site: log in as <strong>{config.demoUser}</strong> with password{' '}
            <strong>{config.demoPassword}</strong>.
          </p>
        ) : null}
        <label>
          Username
          <input
            name="username"
            autocomplete="username"
            required
            value={username}
            onInput={(e) => setUsername(e.currentTarget.value)}
          />
        </label>
        <label>
          Password
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
          {busy ? 'Logging in…' : 'Log in'}
        </button>
        {error ? (
          <p class="error" role="alert">
            {error}
          </p>
        ) : null}
      </form>
    </main>
  );
}
