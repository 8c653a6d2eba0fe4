import type { ApiRoutes, RouteAnswer } from '@isac/api';
import { api } from '../../api.js';
import type { Translate } from '../../i18n.js';
import { Loaded, OutcomeLine, useAction, useLoad, when, type PanelProps } from './common.js';

type DeadLetter = RouteAnswer<ApiRoutes['listDeadLetters']>['deadLetters'][number];

/** The channel a job delivers on, from its kind (jobs of other kinds: their kind). */
export function channelOf(t: Translate, kind: string): string {
  if (/mail|digest/.test(kind)) return t('dead.channel.email');
  if (/publish|mqtt|blocklist|approval/.test(kind)) return t('dead.channel.mqtt');
  return kind;
}

/** Who it was for: the organisation and, for email, the addresses, from the job's payload. */
export function recipientOf(d: DeadLetter): string {
  const p = d.payload as { orgId?: unknown; to?: unknown };
  const org = typeof p.orgId === 'string' ? p.orgId : undefined;
  const to = Array.isArray(p.to) ? p.to.filter((x): x is string => typeof x === 'string') : [];
  return [org, to.length > 0 ? to.join(', ') : undefined].filter(Boolean).join(' — ') || '-';
}

/** Deliveries that failed for good: recipient, channel, cause; retry or drop (hub administrators). */
export function DeadLettersPanel({ t, lang, onUnauthenticated }: PanelProps) {
  const [letters, reload] = useLoad(
    () => api.listDeadLetters({ query: { limit: '1000' } }),
    [],
    onUnauthenticated,
  );
  const action = useAction(t, onUnauthenticated);
  return (
    <section aria-labelledby="dead-heading" data-testid="dead-panel">
      <h3 id="dead-heading">{t('dead.heading')}</h3>
      <p class="muted">{t('dead.help')}</p>
      <OutcomeLine outcome={action.outcome} testId="dead-outcome" />
      <button type="button" onClick={reload}>
        {t('admin.refresh')}
      </button>
      <Loaded t={t} load={letters}>
        {({ deadLetters }) =>
          deadLetters.length === 0 ? (
            <p data-testid="dead-none">{t('dead.none')}</p>
          ) : (
            <table data-testid="dead-table">
              <thead>
                <tr>
                  <th scope="col">{t('dead.recipient')}</th>
                  <th scope="col">{t('dead.channel')}</th>
                  <th scope="col">{t('dead.cause')}</th>
                  <th scope="col">{t('dead.attempts')}</th>
                  <th scope="col">{t('dead.failedAt')}</th>
                  <th scope="col">
                    <span class="visually-hidden">{t('orgs.col.actions')}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {deadLetters.map((d) => (
                  <tr key={d.id} data-job={d.id}>
                    <th scope="row">{recipientOf(d)}</th>
                    <td>
                      {channelOf(t, d.kind)}
                      <br />
                      <code class="small">{d.kind}</code>
                    </td>
                    <td class="wrap">{d.reason ?? '-'}</td>
                    <td class="num">{d.attempts}</td>
                    <td>{when(lang, d.failedAt)}</td>
                    <td class="row-actions">
                      <button
                        type="button"
                        name="retry"
                        disabled={action.busy}
                        onClick={() =>
                          action.run(
                            () => api.retryDeadLetter({ params: { jobId: d.id } }),
                            () => t('dead.retried', { id: d.id }),
                            reload,
                          )
                        }
                      >
                        {t('dead.retry')}
                      </button>
                      <button
                        type="button"
                        name="drop"
                        disabled={action.busy}
                        onClick={() =>
                          action.run(
                            () => api.dropDeadLetter({ params: { jobId: d.id } }),
                            () => t('dead.dropped', { id: d.id }),
                            reload,
                          )
                        }
                      >
                        {t('dead.drop')}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loaded>
    </section>
  );
}
