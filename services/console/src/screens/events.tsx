import { useEffect, useState } from 'preact/hooks';
import { ApiError, type ApiRoutes, type RouteAnswer } from '@isac/api';
import { api, isUnauthenticated, messageOf } from '../api.js';
import type { MessageKey, Translate } from '../i18n.js';
import { TlpBadge } from '../tlp-badge.js';

/**
 * Events on one object (ADR 0045), inside the Objects screen's detail: a report's or grouping's
 * members the organisation may see, together ("Report 'X' (campaign): 40 indicators"), and the
 * events any object belongs to, each a link to its own detail. Only what the hub answered
 * (`GET /api/v1/objects/{id}/events`), which never lists or counts a hidden member.
 */

type View = RouteAnswer<ApiRoutes['objectEvents']>;
type State =
  { state: 'loading' | 'hidden' } | { state: 'failed'; message: string } | { state: 'done'; view: View };

function open(e: MouseEvent, id: string): void {
  if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  e.preventDefault();
  window.history.pushState(null, '', `/objects?id=${encodeURIComponent(id)}`);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

const ObjectLink = (props: { id: string; label: string }) => (
  <a href={`/objects?id=${encodeURIComponent(props.id)}`} onClick={(e) => open(e, props.id)}>
    {props.label}
  </a>
);

const NAMED_TYPES: ReadonlySet<string> = new Set(['indicator', 'malware', 'vulnerability', 'attack-pattern']);

function typeName(t: Translate, type: string, n: number): string {
  return NAMED_TYPES.has(type) ? t(`events.t.${type}.${n === 1 ? 'one' : 'many'}` as MessageKey) : type;
}

/** "40 indicators, 2 malware" in the page's language, most numerous first. */
export function countsText(t: Translate, byType: Readonly<Record<string, number>>): string {
  return Object.entries(byType)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([type, n]) => t('events.count', { n, type: typeName(t, type, n) }))
    .join(', ');
}

export function Events(props: { t: Translate; objectId: string; onUnauthenticated: () => void }) {
  const { t, objectId, onUnauthenticated } = props;
  const [view, setView] = useState<State>({ state: 'loading' });
  useEffect(() => {
    api.objectEvents({ params: { objectId } }).then(
      (v) => setView({ state: 'done', view: v }),
      (err: unknown) => {
        if (isUnauthenticated(err)) onUnauthenticated();
        // an object only an exercise collection holds: the live event view does not know it
        else if (err instanceof ApiError && err.status === 404) setView({ state: 'hidden' });
        else setView({ state: 'failed', message: messageOf(err) });
      },
    );
  }, [objectId]);

  const v = view.state === 'done' ? view.view : undefined;
  const e = v?.event;
  return (
    <section aria-labelledby="events-heading" class="card" data-testid="events">
      <h3 id="events-heading">{t('events.heading')}</h3>
      {view.state === 'loading' && <p class="muted">{t('loading')}</p>}
      {view.state === 'failed' && (
        <p class="error" role="alert">
          {t('error.load', { message: view.message })}
        </p>
      )}
      {e && (
        <div data-testid="event-members">
          <p data-testid="event-summary">
            <strong>
              {t('events.summary', {
                type: t(e.type === 'report' ? 'events.report' : 'events.grouping'),
                name: e.name ?? e.id,
                kind: e.kind ? ` (${e.kind})` : '',
                counts: e.members === 0 ? t('events.noMembers') : countsText(t, e.byType),
              })}
            </strong>
          </p>
          {e.objects.length > 0 && (
            <table>
              <caption>{t('events.members')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('objects.type')}</th>
                  <th scope="col">{t('events.value')}</th>
                  <th scope="col">TLP</th>
                </tr>
              </thead>
              <tbody>
                {e.objects.map((o) => (
                  <tr key={o.id}>
                    <td>{o.type}</td>
                    <td class="break">
                      <ObjectLink
                        id={o.id}
                        label={
                          o.observables?.[0]
                            ? `${o.observables[0].kind} ${o.observables[0].value}`
                            : (o.name ?? o.id)
                        }
                      />
                    </td>
                    <td>
                      <TlpBadge t={t} level={o.tlp} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
      {v && v.events.length > 0 && (
        <table data-testid="event-links">
          <caption>{t('events.memberOf')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('events.name')}</th>
              <th scope="col">{t('objects.type')}</th>
              <th scope="col">{t('events.membersCol')}</th>
              <th scope="col">TLP</th>
            </tr>
          </thead>
          <tbody>
            {v.events.map((x) => (
              <tr key={x.id}>
                <td class="break">
                  <ObjectLink id={x.id} label={x.name ?? x.id} />
                </td>
                <td>{x.kind ? `${x.type} (${x.kind})` : x.type}</td>
                <td class="num">{x.members}</td>
                <td>
                  <TlpBadge t={t} level={x.tlp} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {((v && !e && v.events.length === 0) || view.state === 'hidden') && (
        <p class="muted">{t('events.none')}</p>
      )}
      <p class="muted hint">{t('events.hint')}</p>
    </section>
  );
}
