import { useEffect, useState } from 'preact/hooks';
import { ApiError, type ApiRoutes, type RouteAnswer } from '@isac/api';
import { api, isUnauthenticated, messageOf } from '../api.js';
import type { MessageKey, Translate } from '../i18n.js';
import { TLP_LEVELS } from '../tlp.js';
import { TlpBadge } from '../tlp-badge.js';

/**
 * Who receives this (issue 17): the distribution policy's explanation of an object
 * (`GET /api/v1/objects/{id}/distribution`, what `isac policy explain` prints) as tables. Its
 * submitting organisation sees counts by verdict, tier and sector (ADR 0017); hub administrators
 * also see one row per organisation. Anyone else gets the API's refusal, said plainly.
 */

type Explanation = RouteAnswer<ApiRoutes['explainDistribution']>;
type Counts = { readonly deliver: number; readonly redact: number; readonly deny: number };

const VERDICTS = ['deliver', 'redact', 'deny'] as const;

type Load =
  | { state: 'idle' | 'loading' }
  | { state: 'done'; value: Explanation }
  | { state: 'refused' }
  | { state: 'failed'; message: string };

function currentId(): string {
  return new URLSearchParams(window.location.search).get('id') ?? '';
}

export function Distribution(props: { t: Translate; onUnauthenticated: () => void }) {
  const { t, onUnauthenticated } = props;
  const [id, setId] = useState(currentId);
  const [input, setInput] = useState(id);
  const [load, setLoad] = useState<Load>({ state: 'idle' });

  useEffect(() => {
    const update = () => {
      setId(currentId());
      setInput(currentId());
    };
    window.addEventListener('popstate', update);
    return () => window.removeEventListener('popstate', update);
  }, []);

  useEffect(() => {
    if (!id) return setLoad({ state: 'idle' });
    let live = true;
    setLoad({ state: 'loading' });
    api.explainDistribution({ params: { objectId: id } }).then(
      (value) => live && setLoad({ state: 'done', value }),
      (err: unknown) => {
        if (!live) return;
        if (isUnauthenticated(err)) onUnauthenticated();
        else if (err instanceof ApiError && (err.status === 403 || err.status === 404))
          setLoad({ state: 'refused' });
        else setLoad({ state: 'failed', message: messageOf(err) });
      },
    );
    return () => {
      live = false;
    };
  }, [id]);

  const submit = (e: Event) => {
    e.preventDefault();
    const url = `/distribution?id=${encodeURIComponent(input.trim())}`;
    window.history.pushState(null, '', url);
    window.dispatchEvent(new PopStateEvent('popstate'));
  };

  return (
    <section aria-labelledby="distribution-heading">
      <h2 id="distribution-heading">{t('nav.distribution')}</h2>
      <form class="filters card" onSubmit={submit}>
        <label class="wide">
          {t('distribution.object')}
          <input
            name="objectId"
            required
            value={input}
            placeholder="indicator--…"
            onInput={(e) => setInput(e.currentTarget.value)}
          />
        </label>
        <div class="actions">
          <button class="primary" type="submit">
            {t('distribution.explain')}
          </button>
        </div>
        <p class="muted hint wide">{t('distribution.hint')}</p>
      </form>
      {load.state === 'loading' && <p class="muted">{t('loading')}</p>}
      {load.state === 'refused' && (
        <p role="alert" data-testid="distribution-refused">
          {t('distribution.refused')}
        </p>
      )}
      {load.state === 'failed' && (
        <p class="error" role="alert">
          {t('error.load', { message: load.message })}
        </p>
      )}
      {load.state === 'done' && <ExplanationView t={t} x={load.value} />}
    </section>
  );
}

function CountsTable(props: {
  t: Translate;
  caption: string;
  head: string;
  rows: readonly (readonly [string, Counts])[];
  testId: string;
}) {
  const { t } = props;
  return (
    <table data-testid={props.testId}>
      <caption>{props.caption}</caption>
      <thead>
        <tr>
          <th scope="col">{props.head}</th>
          {VERDICTS.map((v) => (
            <th scope="col" key={v}>
              {t(`distribution.verdict.${v}` as MessageKey)}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {props.rows.map(([name, c]) => (
          <tr key={name}>
            <th scope="row">{name}</th>
            {VERDICTS.map((v) => (
              <td class="num" key={v}>
                {c[v]}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ExplanationView({ t, x }: { t: Translate; x: Explanation }) {
  const s = x.summary;
  const level = TLP_LEVELS.find((l) => l === x.tlp);
  const yes = (b: boolean) => t(b ? 'distribution.yes' : 'distribution.no');
  return (
    <div data-testid="distribution">
      <dl class="facts">
        <dt>ID</dt>
        <dd class="break">
          <code>{x.objectId}</code>
        </dd>
        <dt>{t('distribution.version')}</dt>
        <dd>{x.version}</dd>
        <dt>TLP</dt>
        <dd>
          <TlpBadge t={t} level={level} /> <span class="muted">({x.tlpSource})</span>
        </dd>
        <dt>{t('distribution.anonymous')}</dt>
        <dd>{yes(x.anonymous)}</dd>
        <dt>{t('distribution.exercise')}</dt>
        <dd>{yes(x.exercise)}</dd>
        <dt>{t('distribution.named')}</dt>
        <dd>{x.namedRecipients.length ? x.namedRecipients.join(', ') : t('distribution.none')}</dd>
      </dl>
      <p data-testid="distribution-summary">
        {t('distribution.summary', { deliver: s.deliver, redact: s.redact, deny: s.deny })}
      </p>
      <div class="tables">
        <div class="card">
          <CountsTable
            t={t}
            testId="distribution-tiers"
            caption={t('distribution.byTier')}
            head={t('distribution.tier')}
            rows={s.byTier.map((r) => [r.tier, r] as const)}
          />
        </div>
        <div class="card">
          <CountsTable
            t={t}
            testId="distribution-sectors"
            caption={t('distribution.bySector')}
            head={t('distribution.sector')}
            rows={s.bySector.map((r) => [r.sector, r] as const)}
          />
        </div>
        <div class="card">
          <table>
            <caption>{t('distribution.filters')}</caption>
            <tbody>
              <tr>
                <th scope="row">{t('distribution.filters.keep')}</th>
                <td class="num">{s.filters.keep}</td>
              </tr>
              <tr>
                <th scope="row">{t('distribution.filters.drop')}</th>
                <td class="num">{s.filters.drop}</td>
              </tr>
              <tr>
                <th scope="row">{t('distribution.filters.none')}</th>
                <td class="num">{s.filters.noSubscription}</td>
              </tr>
            </tbody>
          </table>
        </div>
      </div>
      {x.organisations && (
        <div class="scroll">
          <table data-testid="distribution-orgs">
            <caption>{t('distribution.orgs')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('distribution.org')}</th>
                <th scope="col">{t('distribution.verdict')}</th>
                <th scope="col">TLP</th>
                <th scope="col">{t('distribution.rule')}</th>
                <th scope="col">{t('distribution.subscriptions')}</th>
              </tr>
            </thead>
            <tbody>
              {x.organisations.map((o) => (
                <tr key={o.orgId}>
                  <th scope="row">
                    {o.orgName} <span class="muted">({o.orgId})</span>
                  </th>
                  <td>{t(`distribution.verdict.${o.verdict}` as MessageKey)}</td>
                  <td>{o.tlp ? <TlpBadge t={t} level={TLP_LEVELS.find((l) => l === o.tlp)} /> : '—'}</td>
                  <td>
                    <code>{o.rule}</code> {o.message}
                  </td>
                  <td>
                    {(o.subscriptions ?? [])
                      .map(
                        (sub) =>
                          `${sub.channel}: ${sub.keeps ? t('distribution.keeps') : (sub.droppedBy ?? '')}`,
                      )
                      .join(', ') || '—'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
