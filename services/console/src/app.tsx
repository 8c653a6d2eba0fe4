import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { ApiRoutes, RouteAnswer } from '@isac/api';
import { api, isUnauthenticated, messageOf } from './api.js';
import { LANGS, translator, type Lang, type MessageKey } from './i18n.js';
import { applyLang, applyTheme, initialLang, initialTheme, type Theme } from './prefs.js';
import { navigate, SCREENS, screenOf, usePath, type ScreenId } from './router.js';
import { Login } from './screens/login.js';
import { Admin, adminTabs } from './screens/admin.js';
import { Overview } from './screens/overview.js';
import { Placeholder } from './screens/placeholder.js';
import { Objects } from './screens/objects.js';
import { Distribution } from './screens/distribution.js';
import { keepSessionAlive, renewSession } from './session.js';
import { Submit } from './screens/submit.js';
import { SubscriptionsScreen } from './screens/subscriptions.js';
import { Exercises } from './screens/exercises.js';

type Me = RouteAnswer<ApiRoutes['me']>;
type HubInfo = RouteAnswer<ApiRoutes['hubInfo']>;

type Session =
  | { state: 'checking' }
  | { state: 'out'; notice?: string | undefined }
  | { state: 'in'; me: Me; hub: HubInfo }
  | { state: 'failed'; message: string };

const LANG_NAMES: Readonly<Record<Lang, string>> = { en: 'English', ja: '日本語' };

export function App() {
  const [lang, setLang] = useState<Lang>(initialLang);
  const [theme, setTheme] = useState<Theme>(initialTheme);
  const [session, setSession] = useState<Session>({ state: 'checking' });
  const t = useMemo(() => translator(lang), [lang]);
  const path = usePath();

  useEffect(() => applyLang(lang, translator(lang)('app.title')), [lang]);
  useEffect(() => applyTheme(theme), [theme]);

  // the sliding session (session.ts): renewed before its token expires, stopped on logout
  const stopRenewal = useRef<(() => void) | undefined>(undefined);
  const expired = () => {
    stopRenewal.current?.();
    setSession({ state: 'out', notice: t('session.expired') });
  };
  const load = (expiresIn?: number) => {
    stopRenewal.current?.();
    const renewed =
      expiresIn === undefined ? renewSession().catch(() => undefined) : Promise.resolve(expiresIn);
    void renewed.then((seconds) => {
      if (seconds !== undefined) stopRenewal.current = keepSessionAlive(seconds, expired);
      Promise.all([api.me(), api.hubInfo()]).then(
        ([me, hub]) => setSession({ state: 'in', me, hub }),
        (err: unknown) =>
          setSession(
            isUnauthenticated(err) ? { state: 'out' } : { state: 'failed', message: messageOf(err) },
          ),
      );
    });
  };
  useEffect(() => load(), []);

  const settings = (
    <div class="controls">
      <label>
        <span class="visually-hidden">{t('settings.language')}</span>
        <select
          name="lang"
          aria-label={t('settings.language')}
          value={lang}
          onChange={(e) => setLang(e.currentTarget.value as Lang)}
        >
          {LANGS.map((l) => (
            <option key={l} value={l} lang={l}>
              {LANG_NAMES[l]}
            </option>
          ))}
        </select>
      </label>
      <button
        type="button"
        name="theme"
        aria-label={`${t('settings.theme')}: ${t(theme === 'dark' ? 'theme.dark' : 'theme.light')}`}
        aria-pressed={theme === 'dark'}
        onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')}
      >
        {t(theme === 'dark' ? 'theme.light' : 'theme.dark')}
      </button>
    </div>
  );

  if (session.state === 'checking') return <p class="muted">{t('loading')}</p>;
  if (session.state === 'failed')
    return (
      <main id="content">
        <p class="error">{t('error.load', { message: session.message })}</p>
      </main>
    );
  if (session.state === 'out')
    return (
      <>
        <div class="topbar">
          <span class="visually-hidden">{t('app.title')}</span>
          {settings}
        </div>
        <Login t={t} notice={session.notice} onLoggedIn={load} />
      </>
    );

  const { me, hub } = session;
  const hubAdmin = me.orgId === hub.orgId && (me.roles.includes('hub-admin') || me.scopes.includes('admin'));
  const screen = screenOf(path);
  const logout = () => {
    stopRenewal.current?.();
    api.deleteSession().then(
      () => setSession({ state: 'out' }),
      (err: unknown) =>
        setSession(isUnauthenticated(err) ? { state: 'out' } : { state: 'failed', message: messageOf(err) }),
    );
  };
  const title = (id: ScreenId) => t(`nav.${id}` as MessageKey);

  return (
    <>
      <a class="skip" href="#content">
        {t('app.title')}: {t('app.skip')}
      </a>
      <header class="topbar">
        <h1>{t('app.title')}</h1>
        <span class="who" data-testid="who">
          {t('user.signedInAs', {
            org: me.org.name,
            roles: [...me.roles, ...(me.roles.length ? [] : me.scopes)].join(', '),
          })}
        </span>
        {settings}
        <button type="button" name="logout" onClick={logout}>
          {t('logout')}
        </button>
      </header>
      <div class="layout">
        <nav class="sidenav" aria-label={t('nav.label')}>
          <ul>
            {SCREENS.filter((s) => s.id !== 'admin' || adminTabs(me, hub).length > 0)
              .filter((s) => s.id !== 'exercises' || hubAdmin)
              .map((s) => (
                <li key={s.id}>
                  <a
                    href={s.path}
                    aria-current={s.id === screen ? 'page' : undefined}
                    onClick={(e) => {
                      if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
                      e.preventDefault();
                      navigate(s.path);
                      document.getElementById('content')?.focus();
                    }}
                  >
                    {title(s.id)}
                  </a>
                </li>
              ))}
          </ul>
        </nav>
        <main id="content" tabIndex={-1}>
          {screen === 'overview' ? (
            <Overview t={t} me={me} hub={hub} hubAdmin={hubAdmin} onUnauthenticated={expired} />
          ) : screen === 'objects' ? (
            <Objects t={t} me={me} onUnauthenticated={expired} />
          ) : screen === 'distribution' ? (
            <Distribution t={t} onUnauthenticated={expired} />
          ) : screen === 'admin' ? (
            <Admin t={t} lang={lang} me={me} hub={hub} onUnauthenticated={expired} />
          ) : screen === 'submit' ? (
            <Submit t={t} lang={lang} onUnauthenticated={expired} />
          ) : screen === 'subscriptions' ? (
            <SubscriptionsScreen
              t={t}
              me={me}
              orgAdmin={hubAdmin || me.roles.includes('org-admin')}
              onUnauthenticated={expired}
            />
          ) : screen === 'exercises' && hubAdmin ? (
            <Exercises t={t} onUnauthenticated={expired} />
          ) : (
            <Placeholder t={t} title={title(screen)} />
          )}
        </main>
      </div>
    </>
  );
}
