import { useEffect, useState } from 'preact/hooks';
import { ApiError, type ApiClient, type ApiRoutes, type RouteAnswer } from '@isac/api';
import { OBSERVABLE_KINDS } from '@isac/kernel';
import { api, isUnauthenticated, messageOf } from '../api.js';
import type { Translate } from '../i18n.js';
import { TLP_LEVELS, tlpOf, type TlpLevel } from '../tlp.js';
import { TlpBadge } from '../tlp-badge.js';
import { Feedback } from './feedback.js';
import { hubSectors } from './admin/orgs.js';
import { Events } from './events.js';

/**
 * Objects (issue 17): what the caller's organisation may see, through the same routes as the CLI.
 * A value (IP, CIDR, domain, URL, hash, email) is searched with `GET /api/v1/search` (ADR 0036);
 * without one `GET /api/v1/objects` is browsed page by page, filtered by the hub (type, TLP,
 * submitter sector, time: ADR 0038). Every answer has already passed the distribution policy for
 * this reader: the page never widens it. `/objects?id=…` shows one object: its JSON, its versions, who else reported its values
 * (anonymised counts of visible objects), and acknowledges it.
 */

type Me = RouteAnswer<ApiRoutes['me']>;
type SearchAnswer = RouteAnswer<ApiRoutes['searchObservables']>;
type Hit = SearchAnswer['hits'][number];
type Browsed = RouteAnswer<ApiRoutes['browseObjects']>['objects'][number];
/** A STIX object as TAXII serves it: its shape is STIX's, not the API's. */
type StixObject = Readonly<Record<string, unknown>> & {
  readonly id: string;
  readonly type: string;
  readonly object_marking_refs?: readonly unknown[];
};

export interface Collection {
  readonly root: string;
  readonly id: string;
  readonly title: string;
}

const PAGE = '100';
const STIX_TYPES = ['indicator', 'sighting', 'malware', 'attack-pattern', 'report', 'identity', 'note'];

/** The collections of the default API root the caller may read. */
export async function readableCollections(client: ApiClient): Promise<Collection[]> {
  const discovery = await client.taxiiDiscovery();
  const rootUrl = discovery.default ?? discovery.api_roots?.[0];
  if (!rootUrl) return [];
  const root = new URL(rootUrl, window.location.origin).pathname.split('/').filter(Boolean).pop()!;
  const { collections = [] } = await client.taxiiCollections({ params: { root } });
  return collections.filter((c) => c.can_read).map((c) => ({ root, id: c.id, title: c.title }));
}

/** The latest version of an object the caller may see, and its collection; undefined: none visible. */
export async function findObject(
  client: ApiClient,
  collections: readonly Collection[],
  id: string,
  version?: string,
): Promise<{ collection: Collection; object: StixObject } | undefined> {
  for (const collection of collections) {
    try {
      const page = await client.taxiiGetObject({
        params: { root: collection.root, collectionId: collection.id, objectId: id },
        query: version ? { 'match[version]': version } : {},
      });
      const object = (page.objects ?? [])[0] as StixObject | undefined;
      if (object) return { collection, object };
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 404)) throw err;
    }
  }
  return undefined;
}

/** The page's own query string, followed through history navigation. */
function useSearchParams(): URLSearchParams {
  const [search, setSearch] = useState(window.location.search);
  useEffect(() => {
    const update = () => setSearch(window.location.search);
    window.addEventListener('popstate', update);
    return () => window.removeEventListener('popstate', update);
  }, []);
  return new URLSearchParams(search);
}

function go(params: Record<string, string>): void {
  const q = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== ''));
  const url = `/objects${q.size ? `?${q.toString()}` : ''}`;
  if (url === window.location.pathname + window.location.search) return;
  window.history.pushState(null, '', url);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

const tlpLevel = (s: string | undefined): TlpLevel | undefined => TLP_LEVELS.find((l) => l === s);

export function Objects(props: { t: Translate; me: Me; onUnauthenticated: () => void }) {
  const params = useSearchParams();
  const id = params.get('id');
  return id ? (
    <ObjectDetail key={id} {...props} id={id} />
  ) : (
    <ObjectList key={params.toString()} {...props} params={params} />
  );
}

type Rows =
  | { state: 'idle' | 'loading' }
  | { state: 'failed'; message: string }
  | {
      state: 'done';
      rows: readonly Row[];
      /** before the page's own filters: what the hub answered */
      answered: number;
      next?: string | undefined;
      query?: SearchAnswer['query'];
    };

interface Row {
  readonly id: string;
  readonly type: string;
  readonly tlp: TlpLevel | undefined;
  readonly label: string;
  readonly sector?: string | undefined;
  readonly modified: string;
  readonly revoked: boolean;
}

function rowOfHit(h: Hit): Row {
  return {
    id: h.id,
    type: h.type,
    tlp: tlpLevel(h.tlp),
    label: h.name ?? h.observables.map((o) => o.value).join(', '),
    sector: h.sector,
    modified: h.modified,
    revoked: h.revoked,
  };
}

/** A string property of a STIX object, or undefined. */
function textOf(o: StixObject, key: string): string | undefined {
  const v = o[key];
  return typeof v === 'string' ? v : undefined;
}

function rowOfBrowsed(o: Browsed): Row {
  return {
    id: o.id,
    type: o.type,
    tlp: tlpLevel(o.tlp),
    label: o.name ?? o.pattern ?? o.id,
    sector: o.sector,
    modified: o.modified,
    revoked: o.revoked,
  };
}

/** A day of the date inputs as the instant it starts (UTC), or the one after it ends. */
const dayStart = (day: string, after = false): string =>
  day ? new Date(Date.parse(`${day}T00:00:00Z`) + (after ? 86_400_000 : 0)).toISOString() : '';

function ObjectList(props: { t: Translate; params: URLSearchParams; onUnauthenticated: () => void }) {
  const { t, params, onUnauthenticated } = props;
  const initial = {
    q: params.get('q') ?? '',
    kind: params.get('kind') ?? '',
    type: params.get('type') ?? '',
    tlp: params.get('tlp') ?? '',
    since: params.get('since') ?? '',
    until: params.get('until') ?? '',
    sector: params.get('sector') ?? '',
  };
  const [form, setForm] = useState(initial);
  const [sectors, setSectors] = useState<readonly string[]>([]);
  const [rows, setRows] = useState<Rows>({ state: 'idle' });
  /** cursors of the pages before this one (Previous), and this page's */
  const [cursors, setCursors] = useState<readonly (string | undefined)[]>([undefined]);

  const fail = (err: unknown) => {
    if (isUnauthenticated(err)) onUnauthenticated();
    else setRows({ state: 'failed', message: messageOf(err) });
  };

  const load = async (cursor: string | undefined) => {
    setRows({ state: 'loading' });
    const since = dayStart(initial.since);
    const until = dayStart(initial.until, true);
    if (initial.q) {
      // a search by value: the hub filters by TLP; type, sector and time narrow the page's hits
      const keep = (r: Row) =>
        (!initial.type || r.type === initial.type) &&
        (!initial.sector || r.sector === initial.sector) &&
        (!since || r.modified >= since) &&
        (!until || r.modified < until);
      const answer = await api.searchObservables({
        query: {
          q: initial.q,
          limit: PAGE,
          ...(initial.kind ? { type: initial.kind as (typeof OBSERVABLE_KINDS)[number] } : {}),
          ...(initial.tlp ? { tlp: initial.tlp } : {}),
          ...(cursor ? { next: cursor } : {}),
        },
      });
      setRows({
        state: 'done',
        rows: answer.hits.map(rowOfHit).filter(keep),
        answered: answer.count,
        next: answer.more ? answer.next : undefined,
        query: answer.query,
      });
      return;
    }
    // browsing: every filter is the hub's (ADR 0038), so a page is full and `next` is exact
    const answer = await api.browseObjects({
      query: {
        limit: PAGE,
        ...(initial.type ? { type: initial.type } : {}),
        ...(initial.tlp ? { tlp: initial.tlp } : {}),
        ...(initial.sector ? { sector: initial.sector } : {}),
        ...(since ? { since } : {}),
        ...(until ? { until } : {}),
        ...(cursor ? { next: cursor } : {}),
      },
    });
    setRows({
      state: 'done',
      rows: answer.objects.map(rowOfBrowsed),
      answered: answer.count,
      next: answer.more ? answer.next : undefined,
    });
  };

  useEffect(() => {
    hubSectors().then(setSectors, () => setSectors([]));
    load(undefined).catch(fail);
  }, []);

  const page = (cursor: string | undefined, stack: readonly (string | undefined)[]) => {
    setCursors(stack);
    load(cursor).catch(fail);
  };
  const set = (k: keyof typeof form) => (e: Event) =>
    setForm({ ...form, [k]: (e.currentTarget as HTMLInputElement | HTMLSelectElement).value });
  const searching = initial.q !== '';
  const sectorOptions =
    initial.sector && !sectors.includes(initial.sector) ? [...sectors, initial.sector] : sectors;

  return (
    <section aria-labelledby="objects-heading">
      <h2 id="objects-heading">{t('nav.objects')}</h2>
      <form
        class="filters card"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          go(form);
        }}
      >
        <label class="wide">
          {t('objects.value')}
          <input
            name="q"
            type="search"
            value={form.q}
            placeholder="203.0.113.7, 198.51.100.0/24, example.jp, sha256…"
            onInput={set('q')}
            aria-describedby="objects-value-hint"
          />
          <span id="objects-value-hint" class="muted hint">
            {t('objects.value.hint')}
          </span>
        </label>
        <label>
          {t('objects.kind')}
          <select name="kind" value={form.kind} onChange={set('kind')}>
            <option value="">{t('objects.any')}</option>
            {OBSERVABLE_KINDS.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('objects.type')}
          <select name="type" value={form.type} onChange={set('type')}>
            <option value="">{t('objects.any')}</option>
            {STIX_TYPES.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <label>
          TLP
          <select name="tlp" value={form.tlp} onChange={set('tlp')}>
            <option value="">{t('objects.any')}</option>
            {TLP_LEVELS.map((l) => (
              <option key={l} value={l}>{`TLP:${l.toUpperCase()}`}</option>
            ))}
          </select>
        </label>
        <label>
          {t('objects.since')}
          <input name="since" type="date" value={form.since} onInput={set('since')} />
        </label>
        <label>
          {t('objects.until')}
          <input name="until" type="date" value={form.until} onInput={set('until')} />
        </label>
        <label>
          {t('objects.sector')}
          <select
            name="sector"
            value={form.sector}
            onChange={set('sector')}
            aria-describedby="objects-sector-hint"
          >
            <option value="">{t('objects.any')}</option>
            {sectorOptions.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <div class="actions">
          <button class="primary" type="submit">
            {t('objects.search')}
          </button>
          <button type="button" name="clear" onClick={() => go({})}>
            {t('objects.clear')}
          </button>
        </div>
        <p id="objects-sector-hint" class="muted hint wide">
          {t('objects.sector.hint')}
        </p>
      </form>

      {rows.state === 'loading' && <p class="muted">{t('loading')}</p>}
      {rows.state === 'failed' && (
        <p class="error" role="alert">
          {t('error.load', { message: rows.message })}
        </p>
      )}
      {rows.state === 'done' && (
        <div data-testid="objects-results">
          <p role="status">
            {rows.query
              ? t('objects.searched', { value: rows.query.value, kind: rows.query.kind, n: rows.rows.length })
              : t('objects.browsed', { n: rows.rows.length })}
            {rows.answered !== rows.rows.length && ` ${t('objects.filtered', { n: rows.answered })}`}
          </p>
          {rows.rows.length === 0 ? (
            <p>{searching ? t('objects.none.search') : t('objects.none')}</p>
          ) : (
            <div class="scroll">
              <table>
                <caption class="visually-hidden">{t('nav.objects')}</caption>
                <thead>
                  <tr>
                    <th scope="col">TLP</th>
                    <th scope="col">{t('objects.type')}</th>
                    <th scope="col">{t('objects.object')}</th>
                    <th scope="col">{t('objects.sector')}</th>
                    <th scope="col">{t('objects.modified')}</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.rows.map((r) => (
                    <tr key={r.id} data-testid="object-row">
                      <td>
                        <TlpBadge t={t} level={r.tlp} />
                      </td>
                      <td>{r.type}</td>
                      <td class="break">
                        <a
                          href={`/objects?id=${encodeURIComponent(r.id)}`}
                          onClick={(e) => {
                            if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
                            e.preventDefault();
                            go({ id: r.id });
                          }}
                        >
                          {r.label}
                        </a>
                        {r.revoked && <span class="muted"> ({t('objects.revoked')})</span>}
                      </td>
                      <td>
                        {/* withheld unless the submitter chose to be named */}
                        {r.sector ?? <span class="muted">{t('objects.sector.unnamed')}</span>}
                      </td>
                      <td>
                        <time dateTime={r.modified}>{r.modified}</time>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <nav class="pager" aria-label={t('objects.pages')}>
            <button
              type="button"
              name="previous"
              disabled={cursors.length < 2}
              onClick={() => page(cursors[cursors.length - 2], cursors.slice(0, -1))}
            >
              {t('objects.previous')}
            </button>
            <span class="muted">{t('objects.page', { n: cursors.length })}</span>
            <button
              type="button"
              name="next"
              disabled={!rows.next}
              onClick={() => page(rows.next, [...cursors, rows.next])}
            >
              {t('objects.next')}
            </button>
          </nav>
        </div>
      )}
    </section>
  );
}

type Detail =
  | { state: 'loading' }
  | { state: 'missing' }
  | { state: 'failed'; message: string }
  | { state: 'done'; collection: Collection; object: StixObject; versions: readonly string[]; more: boolean };

interface SameValue {
  readonly kind: string;
  readonly value: string;
  readonly others: number;
  readonly bySector: readonly (readonly [string, number])[];
  readonly more: boolean;
}

/**
 * The string literals of a STIX pattern (`[ipv4-addr:value = '198.51.100.7']` gives 198.51.100.7):
 * each is asked of the search route, which reads and normalises it as the index does (ADR 0036);
 * a literal that is no observable (a hash algorithm's name) is refused there and skipped here.
 * The page does not parse patterns itself: that would ship the whole pattern grammar to it.
 */
export function patternLiterals(pattern: string): string[] {
  const out: string[] = [];
  for (const m of pattern.matchAll(/'((?:[^'\\]|\\.)*)'/g)) out.push(m[1]!.replace(/\\(.)/g, '$1'));
  return [...new Set(out)];
}

/** Visible objects other than `object` with each of an indicator's values: counts only, sectors when named. */
async function sameValues(client: ApiClient, object: StixObject): Promise<SameValue[]> {
  const pattern = object.type === 'indicator' ? textOf(object, 'pattern') : undefined;
  const seen = new Set<string>();
  const out: SameValue[] = [];
  for (const literal of pattern ? patternLiterals(pattern).slice(0, 20) : []) {
    let answer: SearchAnswer;
    try {
      answer = await client.searchObservables({ query: { q: literal, limit: '1000' } });
    } catch (err) {
      if (err instanceof ApiError && err.status === 400) continue; // not an observable value
      throw err;
    }
    const key = `${answer.query.kind} ${answer.query.value}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const entry = answer.query;
    // the route also finds ranges containing an address, URLs a URL is the prefix of: keep the same value
    const others = answer.hits.filter(
      (h) =>
        h.id !== object.id && h.observables.some((o) => o.kind === entry.kind && o.value === entry.value),
    );
    const sectors = new Map<string, number>();
    for (const h of others) if (h.sector) sectors.set(h.sector, (sectors.get(h.sector) ?? 0) + 1);
    out.push({
      kind: entry.kind,
      value: entry.value,
      others: others.length,
      bySector: [...sectors.entries()].sort((a, b) => b[1] - a[1]),
      more: answer.more,
    });
  }
  return out;
}

type Ack =
  | { state: 'idle' | 'busy' }
  | { state: 'done'; at: string }
  | { state: 'none' }
  | { state: 'failed'; message: string };

function ObjectDetail(props: { t: Translate; id: string; onUnauthenticated: () => void }) {
  const { t, id, onUnauthenticated } = props;
  const [detail, setDetail] = useState<Detail>({ state: 'loading' });
  const [version, setVersion] = useState<{ version: string; object: StixObject } | undefined>();
  const [same, setSame] = useState<SameValue[] | 'loading' | { failed: string }>('loading');
  const [ack, setAck] = useState<Ack>({ state: 'idle' });
  const fail = (err: unknown) => {
    if (isUnauthenticated(err)) onUnauthenticated();
    else setDetail({ state: 'failed', message: messageOf(err) });
  };

  useEffect(() => {
    (async () => {
      const cols = await readableCollections(api);
      const found = await findObject(api, cols, id);
      if (!found) return setDetail({ state: 'missing' });
      const { collection, object } = found;
      const v = await api.taxiiVersions({
        params: { root: collection.root, collectionId: collection.id, objectId: id },
        query: { limit: '100' },
      });
      setDetail({ state: 'done', collection, object, versions: v.versions ?? [], more: v.more });
      sameValues(api, object).then(setSame, (err: unknown) => setSame({ failed: messageOf(err) }));
    })().catch(fail);
  }, [id]);

  const back = (
    <p>
      <a
        href="/objects"
        onClick={(e) => {
          e.preventDefault();
          window.history.back();
        }}
      >
        {t('objects.back')}
      </a>
    </p>
  );
  if (detail.state === 'loading') return <p class="muted">{t('loading')}</p>;
  if (detail.state === 'failed')
    return (
      <section>
        {back}
        <p class="error" role="alert">
          {t('error.load', { message: detail.message })}
        </p>
      </section>
    );
  if (detail.state === 'missing')
    return (
      <section aria-labelledby="object-heading" data-testid="object-missing">
        {back}
        <h2 id="object-heading">{t('objects.detail')}</h2>
        <p>{t('objects.missing', { id })}</p>
      </section>
    );

  const { object, collection, versions } = detail;
  const shown = version?.object ?? object;
  const name = textOf(object, 'name') ?? object.id;
  const acknowledge = () => {
    setAck({ state: 'busy' });
    api.ackAlert({ params: { alertId: object.id } }).then(
      (a) => setAck({ state: 'done', at: a.acknowledgedAt ?? '' }),
      (err: unknown) => {
        if (isUnauthenticated(err)) onUnauthenticated();
        else if (err instanceof ApiError && err.status === 404) setAck({ state: 'none' });
        else setAck({ state: 'failed', message: messageOf(err) });
      },
    );
  };
  const showVersion = (v: string) => {
    if (v === textOf(object, 'modified')) return setVersion(undefined);
    findObject(api, [collection], object.id, v).then(
      (found) => found && setVersion({ version: v, object: found.object }),
      fail,
    );
  };

  return (
    <section aria-labelledby="object-heading" data-testid="object-detail">
      {back}
      <h2 id="object-heading" class="break">
        {name} <TlpBadge t={t} level={tlpOf(object)} />
      </h2>
      <dl class="facts">
        <dt>{t('objects.type')}</dt>
        <dd>{object.type}</dd>
        <dt>ID</dt>
        <dd class="break">
          <code>{object.id}</code>
        </dd>
        <dt>{t('objects.modified')}</dt>
        <dd>{textOf(object, 'modified') ?? textOf(object, 'created')}</dd>
        <dt>{t('objects.collection')}</dt>
        <dd>{collection.title}</dd>
      </dl>
      <div class="actions">
        <button
          type="button"
          name="ack"
          class="primary"
          onClick={acknowledge}
          disabled={ack.state === 'busy'}
        >
          {t('objects.ack')}
        </button>
        <a
          href={`/distribution?id=${encodeURIComponent(object.id)}`}
          onClick={(e) => {
            if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
            e.preventDefault();
            window.history.pushState(null, '', `/distribution?id=${encodeURIComponent(object.id)}`);
            window.dispatchEvent(new PopStateEvent('popstate'));
          }}
        >
          {t('nav.distribution')}
        </a>
      </div>
      <p role="status" data-testid="ack-status">
        {ack.state === 'done' && t('objects.ack.done', { at: ack.at })}
        {ack.state === 'none' && t('objects.ack.none')}
      </p>
      {ack.state === 'failed' && (
        <p class="error" role="alert">
          {t('objects.ack.failed', { message: ack.message })}
        </p>
      )}

      <Events t={t} objectId={object.id} onUnauthenticated={onUnauthenticated} />

      <Feedback t={t} objectId={object.id} onUnauthenticated={onUnauthenticated} />

      <section aria-labelledby="same-heading" class="card" data-testid="same-value">
        <h3 id="same-heading">{t('objects.same.heading')}</h3>
        {same === 'loading' ? (
          <p class="muted">{t('loading')}</p>
        ) : 'failed' in same ? (
          <p class="error">{t('error.load', { message: same.failed })}</p>
        ) : same.length === 0 ? (
          <p class="muted">{t('objects.same.novalue')}</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">{t('objects.value')}</th>
                <th scope="col">{t('objects.same.others')}</th>
                <th scope="col">{t('objects.same.sectors')}</th>
              </tr>
            </thead>
            <tbody>
              {same.map((s) => (
                <tr key={`${s.kind} ${s.value}`}>
                  <td class="break">
                    <a
                      href={`/objects?q=${encodeURIComponent(s.value)}&kind=${s.kind}`}
                      onClick={(e) => {
                        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
                        e.preventDefault();
                        go({ q: s.value, kind: s.kind });
                      }}
                    >
                      {s.value}
                    </a>
                  </td>
                  <td class="num">
                    {s.others}
                    {s.more ? '+' : ''}
                  </td>
                  <td>
                    {s.bySector.length
                      ? s.bySector.map(([sector, n]) => `${sector} (${n})`).join(', ')
                      : t('objects.same.nosector')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <p class="muted hint">{t('objects.same.hint')}</p>
      </section>

      <section aria-labelledby="versions-heading" data-testid="versions">
        <h3 id="versions-heading">{t('objects.versions', { n: versions.length })}</h3>
        <ul class="versions">
          {versions.map((v) => (
            <li key={v}>
              <button
                type="button"
                name="version"
                aria-pressed={(version?.version ?? textOf(object, 'modified')) === v}
                onClick={() => showVersion(v)}
              >
                <time dateTime={v}>{v}</time>
              </button>
            </li>
          ))}
        </ul>
        {detail.more && <p class="muted">{t('objects.versions.more')}</p>}
      </section>

      <section aria-labelledby="json-heading">
        <h3 id="json-heading">
          {t('objects.json', { version: textOf(shown, 'modified') ?? textOf(shown, 'created') ?? '' })}
        </h3>
        <pre class="json" data-testid="object-json" tabIndex={0}>
          {JSON.stringify(shown, null, 2)}
        </pre>
      </section>
    </section>
  );
}
