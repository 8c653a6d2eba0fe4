import { useState } from 'preact/hooks';
import { api, messageOf } from '../api.js';
import type { Translate } from '../i18n.js';

/** Username and password, through POST /api/v1/auth/session (the token stays in the HttpOnly cookie). */
export function Login(props: {
  t: Translate;
  notice: string | undefined;
  onLoggedIn: (expiresIn: number) => void;
}) {
  const { t } = props;
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const submit = (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    api.createSession({ body: { username, password } }).then(
      (answer) => {
        setPassword('');
        props.onLoggedIn(answer.expiresIn);
      },
      (err: unknown) => {
        setBusy(false);
        setError(t('login.failed', { message: messageOf(err) }));
      },
    );
  };
  return (
    <main id="content" class="login card">
      <h1>{t('app.title')}</h1>
      <h2>{t('login.heading')}</h2>
      {props.notice && <p role="status">{props.notice}</p>}
      <form onSubmit={submit} aria-describedby={error ? 'login-error' : undefined}>
        <label>
          {t('login.username')}
          <input
            name="username"
            autocomplete="username"
            required
            value={username}
            onInput={(e) => setUsername(e.currentTarget.value)}
          />
        </label>
        <label>
          {t('login.password')}
          <input
            name="password"
            type="password"
            autocomplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        <button class="primary" type="submit" disabled={busy}>
          {busy ? t('login.busy') : t('login.submit')}
        </button>
        {error && (
          <p id="login-error" class="error" role="alert">
            {error}
          </p>
        )}
      </form>
    </main>
  );
}
