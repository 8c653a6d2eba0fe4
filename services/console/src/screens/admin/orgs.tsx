import { useState } from 'preact/hooks';
import type { ApiRoutes, RouteAnswer, RouteBody } from '@isac/api';
import { TIERS } from '@isac/kernel';
import { api } from '../../api.js';
import type { Translate } from '../../i18n.js';
import { day, Loaded, OutcomeLine, useAction, useLoad, type PanelProps } from './common.js';

export type Org = RouteAnswer<ApiRoutes['listOrgs']>[number];
type Tier = (typeof TIERS)[number];

/**
 * The sectors this hub admits: the enum of `sector` in the createOrg body of the hub's own OpenAPI
 * document (a documented route), so the console never keeps a second list.
 */
export async function hubSectors(): Promise<string[]> {
  const doc = (await api.openapi()) as {
    paths?: Record<string, { post?: { requestBody?: { content?: Record<string, { schema?: unknown }> } } }>;
  };
  const schema = doc.paths?.['/api/v1/orgs']?.post?.requestBody?.content?.['application/json']?.schema as
    { properties?: { sector?: { enum?: unknown[] } } } | undefined;
  return (schema?.properties?.sector?.enum ?? []).filter((s): s is string => typeof s === 'string');
}

/** `tier: trial, 12 days left` and the like: the trial's state as login and delivery judge it. */
export function trialText(t: Translate, org: Org): string | undefined {
  const s = org.trialState;
  if (!s) return undefined;
  switch (s.status) {
    case 'active':
      return t('orgs.trial.daysLeft', { n: s.daysLeft });
    case 'grace':
      return t('orgs.trial.grace');
    case 'expired':
      return t('orgs.trial.expired');
    case 'not_started':
      return t('orgs.trial.notStarted');
    default:
      return t('orgs.trial.undated');
  }
}

export function OrgsPanel({ t, lang, onUnauthenticated }: PanelProps) {
  const [orgs, reload] = useLoad(() => api.listOrgs(), [], onUnauthenticated);
  const [sectors] = useLoad(() => hubSectors().catch(() => []), [], onUnauthenticated);
  const [selected, setSelected] = useState<string | undefined>();
  const action = useAction(t, onUnauthenticated);
  return (
    <section aria-labelledby="orgs-heading" data-testid="orgs-panel">
      <h3 id="orgs-heading">{t('orgs.heading')}</h3>
      <OutcomeLine outcome={action.outcome} testId="orgs-outcome" />
      <CreateOrg
        t={t}
        sectors={sectors.state === 'done' ? sectors.value : []}
        busy={action.busy}
        onCreate={(body) =>
          action.run(
            () => api.createOrg({ body }),
            (org) => t('orgs.created', { id: org.id }),
            () => {
              reload();
            },
          )
        }
      />
      <Loaded t={t} load={orgs}>
        {(list) => (
          <>
            <table data-testid="orgs-table">
              <caption class="visually-hidden">{t('orgs.heading')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('orgs.col.org')}</th>
                  <th scope="col">{t('orgs.col.sector')}</th>
                  <th scope="col">{t('orgs.col.region')}</th>
                  <th scope="col">{t('orgs.col.tier')}</th>
                  <th scope="col">{t('orgs.col.status')}</th>
                  <th scope="col">{t('orgs.col.trialEnd')}</th>
                  <th scope="col">
                    <span class="visually-hidden">{t('orgs.col.actions')}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.map((o) => (
                  <tr key={o.id} data-org={o.id}>
                    <th scope="row">
                      {o.name}
                      <br />
                      <code>{o.id}</code>
                    </th>
                    <td>{o.sector}</td>
                    <td>{o.regionNames ? o.regionNames[lang] : o.region || '-'}</td>
                    <td>{t(`tier.${o.tier}`)}</td>
                    <td>{t(`orgStatus.${o.status}`)}</td>
                    <td data-testid="trial">
                      {o.trial ? (
                        <>
                          {day(lang, o.trial.endsAt)}
                          <br />
                          <span class="muted">{trialText(t, o)}</span>
                        </>
                      ) : (
                        '-'
                      )}
                    </td>
                    <td>
                      <button
                        type="button"
                        aria-expanded={selected === o.id}
                        aria-controls="org-manage"
                        onClick={() => setSelected(selected === o.id ? undefined : o.id)}
                      >
                        {t('orgs.manage', { name: o.name })}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {selected && list.find((o) => o.id === selected) && (
              <ManageOrg
                t={t}
                org={list.find((o) => o.id === selected)!}
                busy={action.busy}
                run={(call, done) => action.run(call, done, reload)}
              />
            )}
          </>
        )}
      </Loaded>
    </section>
  );
}

type CreateBody = RouteBody<ApiRoutes['createOrg']>;

function CreateOrg(props: {
  t: Translate;
  sectors: readonly string[];
  busy: boolean;
  onCreate: (body: CreateBody) => void;
}) {
  const { t } = props;
  const [name, setName] = useState('');
  const [id, setId] = useState('');
  const [sector, setSector] = useState('');
  const [tier, setTier] = useState<Tier>('full');
  const [region, setRegion] = useState('');
  const [trialDays, setTrialDays] = useState('30');
  const submit = (e: Event) => {
    e.preventDefault();
    props.onCreate({
      name,
      sector: sector || props.sectors[0] || '',
      tier,
      ...(id ? { id } : {}),
      ...(region ? { region } : {}),
      ...(tier === 'trial' ? { trialDays: Number(trialDays) } : {}),
    });
  };
  return (
    <details class="card form-card">
      <summary>{t('orgs.create.heading')}</summary>
      <form class="form-grid" onSubmit={submit} data-testid="create-org">
        <label>
          {t('orgs.create.name')}
          <input
            name="name"
            required
            maxLength={200}
            value={name}
            onInput={(e) => setName(e.currentTarget.value)}
          />
        </label>
        <label>
          {t('orgs.create.id')}
          <input
            name="id"
            pattern="[a-z0-9][a-z0-9-]*"
            aria-describedby="org-id-help"
            value={id}
            onInput={(e) => setId(e.currentTarget.value)}
          />
          <span id="org-id-help" class="muted small">
            {t('orgs.create.idHelp')}
          </span>
        </label>
        <label>
          {t('orgs.col.sector')}
          {props.sectors.length > 0 ? (
            <select
              name="sector"
              value={sector || props.sectors[0]}
              onChange={(e) => setSector(e.currentTarget.value)}
            >
              {props.sectors.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          ) : (
            <input name="sector" required value={sector} onInput={(e) => setSector(e.currentTarget.value)} />
          )}
        </label>
        <label>
          {t('orgs.col.tier')}
          <select name="tier" value={tier} onChange={(e) => setTier(e.currentTarget.value as Tier)}>
            {TIERS.map((x) => (
              <option key={x} value={x}>
                {t(`tier.${x}`)}
              </option>
            ))}
          </select>
        </label>
        {tier === 'trial' && (
          <label>
            {t('orgs.create.trialDays')}
            <input
              name="trialDays"
              type="number"
              min={1}
              max={3650}
              required
              value={trialDays}
              onInput={(e) => setTrialDays(e.currentTarget.value)}
            />
          </label>
        )}
        <label>
          {t('orgs.col.region')}
          <input
            name="region"
            aria-describedby="org-region-help"
            value={region}
            onInput={(e) => setRegion(e.currentTarget.value)}
          />
          <span id="org-region-help" class="muted small">
            {t('orgs.create.regionHelp')}
          </span>
        </label>
        <div>
          <button class="primary" type="submit" disabled={props.busy}>
            {t('orgs.create.submit')}
          </button>
        </div>
      </form>
    </details>
  );
}

function ManageOrg(props: {
  t: Translate;
  org: Org;
  busy: boolean;
  run: <T>(call: () => Promise<T>, done: (value: T) => string) => void;
}) {
  const { t, org, busy, run } = props;
  const params = { orgId: org.id };
  const [tier, setTier] = useState<Tier>(org.tier === 'trial' ? 'full' : org.tier);
  const [days, setDays] = useState('30');
  const [confirm, setConfirm] = useState('');
  const retired = org.status === 'retired';
  return (
    <section id="org-manage" class="card" aria-labelledby="org-manage-heading" data-testid="org-manage">
      <h4 id="org-manage-heading">{t('orgs.manage', { name: org.name })}</h4>
      {retired ? (
        <p class="muted">{t('orgs.retiredNote')}</p>
      ) : (
        <div class="actions">
          <form
            class="inline"
            onSubmit={(e) => {
              e.preventDefault();
              run(
                () =>
                  org.tier === 'trial'
                    ? api.convertOrg({ params, body: { tier: tier as Exclude<Tier, 'trial'> } })
                    : api.updateOrg({ params, body: { tier } }),
                (o) => t('orgs.tierChanged', { id: o.id, tier: t(`tier.${o.tier}`) }),
              );
            }}
          >
            <label>
              {t('orgs.newTier')}
              <select name="newTier" value={tier} onChange={(e) => setTier(e.currentTarget.value as Tier)}>
                {TIERS.filter((x) => x !== 'trial' && x !== org.tier).map((x) => (
                  <option key={x} value={x}>
                    {t(`tier.${x}`)}
                  </option>
                ))}
              </select>
            </label>
            <button type="submit" name={org.tier === 'trial' ? 'convert' : 'setTier'} disabled={busy}>
              {org.tier === 'trial' ? t('orgs.convert') : t('orgs.setTier')}
            </button>
          </form>
          {org.tier === 'trial' && (
            <form
              class="inline"
              onSubmit={(e) => {
                e.preventDefault();
                run(
                  () => api.extendTrial({ params, body: { days: Number(days) } }),
                  (o) => t('orgs.extended', { id: o.id, n: o.trialState?.daysLeft ?? 0 }),
                );
              }}
            >
              <label>
                {t('orgs.extendDays')}
                <input
                  name="extendDays"
                  type="number"
                  min={1}
                  max={3650}
                  required
                  value={days}
                  onInput={(e) => setDays(e.currentTarget.value)}
                />
              </label>
              <button type="submit" disabled={busy}>
                {t('orgs.extend')}
              </button>
            </form>
          )}
          <button
            type="button"
            name={org.status === 'suspended' ? 'resume' : 'suspend'}
            disabled={busy}
            onClick={() =>
              run(
                () =>
                  api.updateOrg({
                    params,
                    body: { status: org.status === 'suspended' ? 'active' : 'suspended' },
                  }),
                (o) => t('orgs.statusChanged', { id: o.id, status: t(`orgStatus.${o.status}`) }),
              )
            }
          >
            {org.status === 'suspended' ? t('orgs.resume') : t('orgs.suspend')}
          </button>
          <form
            class="inline danger-zone"
            onSubmit={(e) => {
              e.preventDefault();
              run(
                () => api.retireOrg({ params, body: { confirm } }),
                (o) => t('orgs.retired', { id: o.id }),
              );
            }}
          >
            <label>
              {t('orgs.retireConfirm', { id: org.id })}
              <input name="confirm" value={confirm} onInput={(e) => setConfirm(e.currentTarget.value)} />
            </label>
            <button type="submit" name="retire" disabled={busy || confirm !== org.id}>
              {t('orgs.retire')}
            </button>
          </form>
        </div>
      )}
    </section>
  );
}
