import { useEffect, useState } from 'preact/hooks';
import type { ApiClient, RouteAnswer, ApiRoutes } from '@isac/api';
import { api, isUnauthenticated, messageOf } from '../api.js';
import type { Translate } from '../i18n.js';
import { TLP_LEVELS, tlpOf, type TlpLevel } from '../tlp.js';
import { TlpBadge } from '../tlp-badge.js';

type Me = RouteAnswer<ApiRoutes['me']>;

/** Objects counted at most, page by page (a bulk feed may release thousands a day). */
const MAX_COUNTED = 5000;
const PAGE = 1000;

export interface Arrivals {
  readonly total: number;
  readonly truncated: boolean;
  readonly byTlp: ReadonlyMap<TlpLevel | 'none', number>;
  readonly byType: ReadonlyMap<string, number>;
}

/**
 * What the hub released to the caller's organisation in the last 24 hours: the TAXII objects
 * endpoint of every readable collection, filtered by the policy for this reader, added_after now-24h.
 */
export async function arrivals(client: ApiClient, now: Date): Promise<Arrivals> {
  const discovery = await client.taxiiDiscovery();
  const rootUrl = discovery.default ?? discovery.api_roots?.[0];
  const byTlp = new Map<TlpLevel | 'none', number>();
  const byType = new Map<string, number>();
  let total = 0;
  let truncated = false;
  if (!rootUrl) return { total, truncated, byTlp, byType };
  const root = new URL(rootUrl, window.location.origin).pathname.split('/').filter(Boolean).pop()!;
  const { collections = [] } = await client.taxiiCollections({ params: { root } });
  const since = new Date(now.getTime() - 86_400_000).toISOString();
  for (const c of collections.filter((x) => x.can_read)) {
    let next: string | undefined;
    do {
      const page = await client.taxiiGetObjects({
        params: { root, collectionId: c.id },
        query: { added_after: since, limit: String(PAGE), ...(next ? { next } : {}) },
      });
      // the envelope carries STIX 2.1 objects: their shape is STIX's, not the API's
      for (const obj of (page.objects ?? []) as { type?: unknown; object_marking_refs?: unknown[] }[]) {
        const level = tlpOf(obj) ?? 'none';
        byTlp.set(level, (byTlp.get(level) ?? 0) + 1);
        const type = String(obj.type);
        byType.set(type, (byType.get(type) ?? 0) + 1);
        total += 1;
      }
      next = page.more ? page.next : undefined;
      if (total >= MAX_COUNTED && next) {
        truncated = true;
        next = undefined;
      }
    } while (next);
  }
  return { total, truncated, byTlp, byType };
}

type Load<T> = { state: 'loading' } | { state: 'done'; value: T } | { state: 'failed'; message: string };

function useLoad<T>(load: () => Promise<T>, onUnauthenticated: () => void): Load<T> {
  const [result, setResult] = useState<Load<T>>({ state: 'loading' });
  useEffect(() => {
    let live = true;
    load().then(
      (value) => live && setResult({ state: 'done', value }),
      (err: unknown) => {
        if (!live) return;
        if (isUnauthenticated(err)) onUnauthenticated();
        else setResult({ state: 'failed', message: messageOf(err) });
      },
    );
    return () => {
      live = false;
    };
  }, []);
  return result;
}

function Loading({
  t,
  load,
  children,
}: {
  t: Translate;
  load: Load<unknown>;
  children: () => preact.ComponentChildren;
}) {
  if (load.state === 'loading') return <p class="muted">{t('loading')}</p>;
  if (load.state === 'failed') return <p class="error">{t('error.load', { message: load.message })}</p>;
  return <>{children()}</>;
}

type HubInfo = RouteAnswer<ApiRoutes['hubInfo']>;

export function Overview(props: {
  t: Translate;
  me: Me;
  hub: HubInfo;
  hubAdmin: boolean;
  onUnauthenticated: () => void;
}) {
  const { t, me, hub, hubAdmin, onUnauthenticated } = props;
  const arrived = useLoad(() => arrivals(api, new Date()), onUnauthenticated);
  const acks = useLoad(
    () => (hubAdmin ? api.listAcks({ query: { all: 'true', limit: '1000' } }) : Promise.resolve(undefined)),
    onUnauthenticated,
  );
  const dead = useLoad(
    () => (hubAdmin ? api.listDeadLetters({ query: { limit: '1000' } }) : Promise.resolve(undefined)),
    onUnauthenticated,
  );
  const orgName = me.org.name;
  return (
    <section aria-labelledby="overview-heading">
      <h2 id="overview-heading">{t('overview.heading')}</h2>
      <div class="cards">
        <section class="card" aria-labelledby="arrived-heading" data-testid="arrived">
          <h3 id="arrived-heading">{t('overview.arrived.heading', { org: orgName })}</h3>
          <Loading t={t} load={arrived}>
            {() => {
              const a = (arrived as { value: Arrivals }).value;
              if (a.total === 0) return <p>{t('overview.arrived.none')}</p>;
              return (
                <>
                  <p data-testid="arrived-total">{t('overview.arrived.total', { n: a.total })}</p>
                  {a.truncated && <p class="muted">{t('overview.arrived.truncated', { n: a.total })}</p>}
                  <table>
                    <caption class="visually-hidden">{t('overview.arrived.byTlp')}</caption>
                    <thead>
                      <tr>
                        <th scope="col">{t('overview.arrived.level')}</th>
                        <th scope="col">{t('overview.arrived.count')}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {[...TLP_LEVELS, 'none' as const]
                        .filter((l) => a.byTlp.has(l))
                        .map((l) => (
                          <tr key={l}>
                            <td>
                              <TlpBadge t={t} level={l === 'none' ? undefined : l} />
                            </td>
                            <td class="num">{a.byTlp.get(l)}</td>
                          </tr>
                        ))}
                    </tbody>
                  </table>
                  <h4>{t('overview.arrived.byType')}</h4>
                  <table>
                    <thead>
                      <tr>
                        <th scope="col">{t('overview.arrived.type')}</th>
                        <th scope="col">{t('overview.arrived.count')}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {[...a.byType.entries()]
                        .sort((x, y) => y[1] - x[1])
                        .map(([type, n]) => (
                          <tr key={type}>
                            <td>{type}</td>
                            <td class="num">{n}</td>
                          </tr>
                        ))}
                    </tbody>
                  </table>
                </>
              );
            }}
          </Loading>
        </section>
        <section class="card" aria-labelledby="acks-heading" data-testid="acks">
          <h3 id="acks-heading">{t('overview.acks.heading')}</h3>
          {hubAdmin ? (
            <Loading t={t} load={acks}>
              {() => {
                const list = (acks as { value: { acks: { acknowledgedAt?: string }[] } }).value.acks;
                return <p>{t('overview.acks.count', { n: list.filter((x) => !x.acknowledgedAt).length })}</p>;
              }}
            </Loading>
          ) : (
            <p class="muted">{t('overview.acks.unavailable')}</p>
          )}
        </section>
        {hubAdmin && (
          <section class="card" aria-labelledby="delivery-heading" data-testid="delivery">
            <h3 id="delivery-heading">{t('overview.delivery.heading')}</h3>
            <Loading t={t} load={dead}>
              {() => {
                const list = (dead as { value: { deadLetters: unknown[] } }).value.deadLetters;
                return <p>{t('overview.delivery.deadLetters', { n: list.length })}</p>;
              }}
            </Loading>
          </section>
        )}
        <section class="card" aria-labelledby="hub-heading" data-testid="hub">
          <h3 id="hub-heading">{t('overview.hub.heading')}</h3>
          <dl>
            <dt>{t('overview.hub.status')}</dt>
            <dd>{t('overview.hub.ok')}</dd>
            <dt>{t('overview.hub.name')}</dt>
            <dd>{hub.name}</dd>
            <dt>{t('overview.hub.api')}</dt>
            <dd>{hub.versions.api}</dd>
            <dt>STIX / TAXII</dt>
            <dd>
              {hub.versions.stix} / {hub.versions.taxii}
            </dd>
          </dl>
        </section>
      </div>
    </section>
  );
}
