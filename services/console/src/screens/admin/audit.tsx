import { useState } from 'preact/hooks';
import type { ApiRoutes, RouteAnswer, RouteQuery } from '@isac/api';
import { api, messageOf } from '../../api.js';
import { Loaded, useLoad, when, type PanelProps } from './common.js';

type Record_ = RouteAnswer<ApiRoutes['listAudit']>[number];
type Query = NonNullable<RouteQuery<ApiRoutes['listAudit']>>;

const PAGE = 100;

/** `username (organisation)`, or the ids when the names are gone; `system` for the hub itself. */
export function actorText(r: Record_): string {
  if (r.actor.system) return 'system';
  const who = r.actorName?.username ?? r.actor.userId ?? (r.actor.keyId ? `key:${r.actor.keyId}` : undefined);
  const org = r.actorName?.org ?? r.actor.orgId;
  if (who === undefined) return org ?? '-';
  return org === undefined ? who : `${who} (${org})`;
}

/** The audit log, newest first, filtered by actor (username), action and time; older pages on demand. */
export function AuditPanel({ t, lang, onUnauthenticated }: PanelProps) {
  const [actor, setActor] = useState('');
  const [action, setAction] = useState('');
  const [since, setSince] = useState('');
  const [query, setQuery] = useState<Query>({ limit: String(PAGE) });
  const [pages, setPages] = useState<Record_[][]>([]);
  const [first] = useLoad(
    () =>
      api.listAudit({ query }).then((r) => {
        setPages([r]);
        return r;
      }),
    [query],
    onUnauthenticated,
  );
  const [older, setOlder] = useState<string | undefined>();
  const apply = (e: Event) => {
    e.preventDefault();
    const sinceIso = since ? new Date(since).toISOString() : undefined;
    setQuery({
      limit: String(PAGE),
      ...(actor.trim() ? { actor: actor.trim() } : {}),
      ...(action.trim() ? { action: action.trim() } : {}),
      ...(sinceIso ? { since: sinceIso } : {}),
    });
  };
  const records = pages.flat();
  const last = records[records.length - 1];
  const more = pages.length > 0 && pages[pages.length - 1]!.length === PAGE;
  return (
    <section aria-labelledby="audit-heading" data-testid="audit-panel">
      <h3 id="audit-heading">{t('audit.heading')}</h3>
      <form class="admin-filters" onSubmit={apply} aria-label={t('audit.filters')}>
        <label>
          {t('audit.actor')}
          <input name="actor" value={actor} onInput={(e) => setActor(e.currentTarget.value)} />
        </label>
        <label>
          {t('audit.action')}
          <input
            name="action"
            placeholder="org.create"
            value={action}
            onInput={(e) => setAction(e.currentTarget.value)}
          />
        </label>
        <label>
          {t('audit.since')}
          <input
            name="since"
            type="datetime-local"
            value={since}
            onInput={(e) => setSince(e.currentTarget.value)}
          />
        </label>
        <button type="submit" class="primary">
          {t('audit.apply')}
        </button>
      </form>
      <Loaded t={t} load={first}>
        {() =>
          records.length === 0 ? (
            <p>{t('audit.none')}</p>
          ) : (
            <>
              <table data-testid="audit-table">
                <thead>
                  <tr>
                    <th scope="col">#</th>
                    <th scope="col">{t('audit.at')}</th>
                    <th scope="col">{t('audit.actor')}</th>
                    <th scope="col">{t('audit.action')}</th>
                    <th scope="col">{t('audit.target')}</th>
                    <th scope="col">{t('audit.outcome')}</th>
                  </tr>
                </thead>
                <tbody>
                  {records.map((r) => (
                    <tr key={r.seq}>
                      <td class="num">{r.seq}</td>
                      <td>{when(lang, r.at)}</td>
                      <td>{actorText(r)}</td>
                      <td>
                        <code>{r.action}</code>
                      </td>
                      <td class="wrap">
                        {r.target.kind}:{r.target.id}
                      </td>
                      <td>{t(`audit.outcome.${r.outcome}`)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {older && <p class="error">{older}</p>}
              {more && last && (
                <button
                  type="button"
                  onClick={() => {
                    api.listAudit({ query: { ...query, beforeSeq: String(last.seq) } }).then(
                      (r) => setPages([...pages, r]),
                      (err: unknown) => setOlder(t('error.load', { message: messageOf(err) })),
                    );
                  }}
                >
                  {t('audit.older')}
                </button>
              )}
            </>
          )
        }
      </Loaded>
    </section>
  );
}
