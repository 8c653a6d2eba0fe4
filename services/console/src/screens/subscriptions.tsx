import { useEffect, useState } from 'preact/hooks';
import { ApiError, type ApiRoutes, type RouteAnswer } from '@isac/api';
import { api, isUnauthenticated, messageOf } from '../api.js';
import type { MessageKey, Translate } from '../i18n.js';
import { TLP_LEVELS, type TlpLevel } from '../tlp.js';
import { Copyable } from './copy.js';

type Me = RouteAnswer<ApiRoutes['me']>;
type Subscription = RouteAnswer<ApiRoutes['listSubscriptions']>[number];
type Key = RouteAnswer<ApiRoutes['listKeys']>[number];
type CreatedKey = RouteAnswer<ApiRoutes['createKey']>;
type MqttCredentials = RouteAnswer<ApiRoutes['issueMqttCredentials']>;

const OBSERVABLE_KINDS = ['ipv4', 'ipv6', 'domain', 'url', 'email', 'file-hash'] as const;
const KEY_SCOPES = ['submit', 'read', 'subscribe'] as const;

const list = (text: string): string[] =>
  text
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter(Boolean);

/** A refusal of the hub, with the fields it names (validation errors), in one sentence. */
function reason(err: unknown): string {
  if (err instanceof ApiError && err.details.length)
    return `${err.message} (${err.details.map((d) => `${d.path || '/'}: ${d.message}`).join('; ')})`;
  return messageOf(err);
}

type Props = { t: Translate; me: Me; onUnauthenticated: () => void };

/** Runs an action; a 401 ends the session, any other refusal is shown in the section. */
function useAction(onUnauthenticated: () => void) {
  const [error, setError] = useState<string | undefined>();
  const run = <T,>(p: Promise<T>, then: (v: T) => void) => {
    setError(undefined);
    p.then(then, (err: unknown) => (isUnauthenticated(err) ? onUnauthenticated() : setError(reason(err))));
  };
  return { error, setError, run };
}

function ErrorLine({ t, error }: { t: Translate; error: string | undefined }) {
  return error ? (
    <p class="error" role="alert">
      {t('subs.refused', { message: error })}
    </p>
  ) : null;
}

function filtersText(t: Translate, s: Subscription): string {
  const f = s.filters;
  const parts: string[] = [];
  if (f.objectTypes?.length) parts.push(`${t('subs.filter.objectTypes')}: ${f.objectTypes.join(', ')}`);
  if (f.observableKinds?.length) parts.push(`${t('subs.filter.kinds')}: ${f.observableKinds.join(', ')}`);
  if (f.sourceSectors?.length) parts.push(`${t('subs.filter.sectors')}: ${f.sourceSectors.join(', ')}`);
  if (f.minConfidence !== undefined) parts.push(`${t('subs.filter.minConfidence')}: ${f.minConfidence}`);
  if (f.labels?.length) parts.push(`${t('subs.filter.labels')}: ${f.labels.join(', ')}`);
  if (f.tlpCeiling) parts.push(`${t('subs.filter.tlpCeiling')}: TLP:${f.tlpCeiling.toUpperCase()}`);
  return parts.length ? parts.join(' · ') : t('subs.filter.none');
}

function Subscriptions({ t, me, onUnauthenticated }: Props) {
  const orgId = me.orgId;
  const [subs, setSubs] = useState<Subscription[] | undefined>();
  const { error, run } = useAction(onUnauthenticated);
  const [channel, setChannel] = useState<'mqtt' | 'email'>('mqtt');
  const [objectTypes, setObjectTypes] = useState('');
  const [kinds, setKinds] = useState<string[]>([]);
  const [sectors, setSectors] = useState('');
  const [minConfidence, setMinConfidence] = useState('');
  const [labels, setLabels] = useState('');
  const [tlpCeiling, setTlpCeiling] = useState<TlpLevel | ''>('');
  const [to, setTo] = useState('');
  const [mode, setMode] = useState<'immediate' | 'hourly' | 'daily'>('immediate');
  const [lang, setLang] = useState<'ja' | 'en'>('ja');

  const reload = () => run(api.listSubscriptions({ params: { orgId } }), setSubs);
  useEffect(reload, []);

  const add = (e: Event) => {
    e.preventDefault();
    const filters = {
      ...(list(objectTypes).length ? { objectTypes: list(objectTypes) } : {}),
      ...(kinds.length ? { observableKinds: kinds as (typeof OBSERVABLE_KINDS)[number][] } : {}),
      ...(list(sectors).length ? { sourceSectors: list(sectors) } : {}),
      ...(minConfidence.trim() ? { minConfidence: Number(minConfidence) } : {}),
      ...(list(labels).length ? { labels: list(labels) } : {}),
      ...(tlpCeiling ? { tlpCeiling } : {}),
    };
    run(
      api.createSubscription({
        params: { orgId },
        body: { channel, filters, ...(channel === 'email' ? { email: { to: list(to), mode, lang } } : {}) },
      }),
      reload,
    );
  };
  const remove = (id: string) => run(api.deleteSubscription({ params: { orgId, subId: id } }), reload);

  return (
    <section class="card" aria-labelledby="subs-heading" data-testid="subscriptions">
      <h3 id="subs-heading">{t('subs.heading')}</h3>
      {subs === undefined ? (
        <p class="muted">{t('loading')}</p>
      ) : subs.length === 0 ? (
        <p>{t('subs.none')}</p>
      ) : (
        <div class="scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('subs.channel')}</th>
                <th scope="col">{t('subs.filters')}</th>
                <th scope="col">{t('subs.email.to')}</th>
                <th scope="col">{t('subs.created')}</th>
                <th scope="col">
                  <span class="visually-hidden">{t('subs.remove')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {subs.map((s) => (
                <tr key={s.id} data-sub={s.id}>
                  <td>{t(`subs.channel.${s.channel}` as MessageKey)}</td>
                  <td>{filtersText(t, s)}</td>
                  <td>
                    {s.email
                      ? `${s.email.to.join(', ')} (${s.email.mode ?? 'immediate'}, ${s.email.lang ?? 'ja'})`
                      : '—'}
                  </td>
                  <td>{new Date(s.createdAt).toLocaleString()}</td>
                  <td>
                    <button
                      type="button"
                      onClick={() => remove(s.id)}
                      aria-label={`${t('subs.remove')} ${s.id}`}
                    >
                      {t('subs.remove')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h4>{t('subs.add')}</h4>
      <form class="form" name="subscription" onSubmit={add}>
        <label>
          {t('subs.channel')}
          <select
            name="channel"
            value={channel}
            onChange={(e) => setChannel(e.currentTarget.value as 'mqtt' | 'email')}
          >
            <option value="mqtt">{t('subs.channel.mqtt')}</option>
            <option value="email">{t('subs.channel.email')}</option>
          </select>
        </label>
        {channel === 'email' && (
          <>
            <label>
              {t('subs.email.to')}
              <input
                name="email-to"
                required
                value={to}
                placeholder="soc@example.jp"
                onInput={(e) => setTo(e.currentTarget.value)}
              />
            </label>
            <label>
              {t('subs.email.mode')}
              <select
                name="email-mode"
                value={mode}
                onChange={(e) => setMode(e.currentTarget.value as typeof mode)}
              >
                <option value="immediate">{t('subs.email.immediate')}</option>
                <option value="hourly">{t('subs.email.hourly')}</option>
                <option value="daily">{t('subs.email.daily')}</option>
              </select>
            </label>
            <label>
              {t('subs.email.lang')}
              <select
                name="email-lang"
                value={lang}
                onChange={(e) => setLang(e.currentTarget.value as 'ja' | 'en')}
              >
                <option value="ja">日本語</option>
                <option value="en">English</option>
              </select>
            </label>
          </>
        )}
        <label>
          {t('subs.filter.objectTypes')}
          <input
            name="objectTypes"
            placeholder="indicator, sighting"
            value={objectTypes}
            onInput={(e) => setObjectTypes(e.currentTarget.value)}
          />
        </label>
        <fieldset>
          <legend>{t('subs.filter.kinds')}</legend>
          <div class="tlp-choices">
            {OBSERVABLE_KINDS.map((k) => (
              <label key={k} class="check">
                <input
                  type="checkbox"
                  name="observableKinds"
                  value={k}
                  checked={kinds.includes(k)}
                  onChange={(e) =>
                    setKinds(e.currentTarget.checked ? [...kinds, k] : kinds.filter((x) => x !== k))
                  }
                />
                {k}
              </label>
            ))}
          </div>
        </fieldset>
        <label>
          {t('subs.filter.sectors')}
          <input
            name="sourceSectors"
            placeholder="finance"
            value={sectors}
            onInput={(e) => setSectors(e.currentTarget.value)}
          />
        </label>
        <label>
          {t('subs.filter.minConfidence')}
          <input
            name="minConfidence"
            type="number"
            min={0}
            max={100}
            value={minConfidence}
            onInput={(e) => setMinConfidence(e.currentTarget.value)}
          />
        </label>
        <label>
          {t('subs.filter.labels')}
          <input name="sub-labels" value={labels} onInput={(e) => setLabels(e.currentTarget.value)} />
        </label>
        <label>
          {t('subs.filter.tlpCeiling')}
          <select
            name="tlpCeiling"
            value={tlpCeiling}
            onChange={(e) => setTlpCeiling(e.currentTarget.value as TlpLevel | '')}
          >
            <option value="">{t('subs.filter.tlpCeiling.none')}</option>
            {TLP_LEVELS.map((l) => (
              <option key={l} value={l}>{`TLP:${l.toUpperCase()}`}</option>
            ))}
          </select>
        </label>
        <button class="primary" type="submit">
          {t('subs.add.submit')}
        </button>
      </form>
      <ErrorLine t={t} error={error} />
    </section>
  );
}

function ApiKeys({ t, me, onUnauthenticated }: Props) {
  const orgId = me.orgId;
  const [keys, setKeys] = useState<Key[] | undefined>();
  const [created, setCreated] = useState<CreatedKey | undefined>();
  const [label, setLabel] = useState('');
  const [scopes, setScopes] = useState<string[]>([...KEY_SCOPES]);
  const [days, setDays] = useState('');
  const { error, run } = useAction(onUnauthenticated);
  const reload = () => run(api.listKeys({ params: { orgId } }), setKeys);
  useEffect(reload, []);

  const create = (e: Event) => {
    e.preventDefault();
    run(
      api.createKey({
        params: { orgId },
        body: {
          ...(label.trim() ? { label: label.trim() } : {}),
          scopes: scopes as (typeof KEY_SCOPES)[number][],
          ...(days.trim() ? { expiresInDays: Number(days) } : {}),
        },
      }),
      (k) => {
        setCreated(k);
        setLabel('');
        reload();
      },
    );
  };
  const revoke = (id: string) => run(api.revokeKey({ params: { orgId, keyId: id } }), reload);

  return (
    <section class="card" aria-labelledby="keys-heading" data-testid="api-keys">
      <h3 id="keys-heading">{t('keys.heading')}</h3>
      {created && (
        <div class="once" role="status" data-testid="new-key">
          <p>
            <strong>{t('keys.once')}</strong>
          </p>
          <Copyable
            t={t}
            label={t('keys.key', { label: created.label })}
            value={created.key}
            testId="new-key-value"
          />
          <button type="button" onClick={() => setCreated(undefined)}>
            {t('keys.once.done')}
          </button>
        </div>
      )}
      {keys === undefined ? (
        <p class="muted">{t('loading')}</p>
      ) : keys.length === 0 ? (
        <p>{t('keys.none')}</p>
      ) : (
        <div class="scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('keys.label')}</th>
                <th scope="col">{t('keys.prefix')}</th>
                <th scope="col">{t('keys.scopes')}</th>
                <th scope="col">{t('keys.state')}</th>
                <th scope="col">
                  <span class="visually-hidden">{t('keys.revoke')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.map((k) => (
                <tr key={k.id} data-key={k.id}>
                  <td>{k.label}</td>
                  <td>
                    <code>{k.prefix}…</code>
                  </td>
                  <td>{k.scopes.join(', ')}</td>
                  <td>
                    {k.revokedAt
                      ? t('keys.revoked', { at: new Date(k.revokedAt).toLocaleString() })
                      : k.expiresAt
                        ? t('keys.expires', { at: new Date(k.expiresAt).toLocaleString() })
                        : t('keys.active')}
                  </td>
                  <td>
                    {!k.revokedAt && (
                      <button
                        type="button"
                        onClick={() => revoke(k.id)}
                        aria-label={`${t('keys.revoke')} ${k.label}`}
                      >
                        {t('keys.revoke')}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h4>{t('keys.create')}</h4>
      <form class="form" name="api-key" onSubmit={create}>
        <label>
          {t('keys.label')}
          <input
            name="key-label"
            maxLength={100}
            value={label}
            onInput={(e) => setLabel(e.currentTarget.value)}
          />
        </label>
        <fieldset>
          <legend>{t('keys.scopes')}</legend>
          <div class="tlp-choices">
            {KEY_SCOPES.map((s) => (
              <label key={s} class="check">
                <input
                  type="checkbox"
                  name="key-scopes"
                  value={s}
                  checked={scopes.includes(s)}
                  onChange={(e) =>
                    setScopes(e.currentTarget.checked ? [...scopes, s] : scopes.filter((x) => x !== s))
                  }
                />
                {s}
              </label>
            ))}
          </div>
        </fieldset>
        <label>
          {t('keys.days')}
          <input
            name="key-days"
            type="number"
            min={1}
            max={3650}
            value={days}
            onInput={(e) => setDays(e.currentTarget.value)}
          />
        </label>
        <button class="primary" type="submit" disabled={scopes.length === 0}>
          {t('keys.create.submit')}
        </button>
      </form>
      <ErrorLine t={t} error={error} />
    </section>
  );
}

/** `mosquitto_sub` for the organisation's topics, with the broker the hub tells members (ADR 0037). */
export function mosquittoSub(mqttUrl: string, creds: MqttCredentials, orgId: string): string {
  const url = new URL(mqttUrl);
  const tls = url.protocol === 'mqtts:';
  const port = url.port || (tls ? '8883' : '1883');
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  return [
    'mosquitto_sub -V mqttv311',
    `-h ${quote(url.hostname)} -p ${port}`,
    ...(tls ? ['--tls-use-os-certs'] : []),
    `-u ${quote(creds.username)} -P ${quote(creds.password)}`,
    `-t ${quote(`${creds.topicPrefix.replace(/\/+$/, '')}/#`)} -q 1`,
    `-i ${quote(`${orgId}-siem`)} -c`,
  ].join(' ');
}

function MqttCredentialsCard({ t, me, onUnauthenticated }: Props) {
  const [creds, setCreds] = useState<MqttCredentials | undefined>();
  const { error, run } = useAction(onUnauthenticated);
  const issue = () => run(api.issueMqttCredentials({ params: { orgId: me.orgId } }), setCreds);
  return (
    <section class="card" aria-labelledby="mqtt-heading" data-testid="mqtt-credentials">
      <h3 id="mqtt-heading">{t('mqtt.heading')}</h3>
      <p>{t('mqtt.broker', { url: me.mqtt.url })}</p>
      <p class="muted">{t('mqtt.replace')}</p>
      <button type="button" name="issue-mqtt" onClick={issue}>
        {t('mqtt.issue')}
      </button>
      {creds && (
        <div class="once" role="status">
          <p>
            <strong>{t('mqtt.once')}</strong>
          </p>
          <Copyable t={t} label={t('mqtt.username')} value={creds.username} testId="mqtt-username" />
          <Copyable t={t} label={t('mqtt.password')} value={creds.password} testId="mqtt-password" />
          <Copyable
            t={t}
            label={t('mqtt.command')}
            value={mosquittoSub(me.mqtt.url, creds, me.orgId)}
            testId="mosquitto-sub"
          />
        </div>
      )}
      <ErrorLine t={t} error={error} />
    </section>
  );
}

function PgpKey({ t, me, onUnauthenticated }: Props) {
  const [current, setCurrent] = useState<string | undefined | null>(null);
  const [text, setText] = useState('');
  const [saved, setSaved] = useState(false);
  const { error, run } = useAction(onUnauthenticated);
  useEffect(() => run(api.getOrg({ params: { orgId: me.orgId } }), (o) => setCurrent(o.pgpPublicKey)), []);
  const save = (e: Event) => {
    e.preventDefault();
    setSaved(false);
    run(api.updateOrg({ params: { orgId: me.orgId }, body: { pgpPublicKey: text } }), (o) => {
      setCurrent(o.pgpPublicKey);
      setText('');
      setSaved(true);
    });
  };
  const remove = () =>
    run(api.updateOrg({ params: { orgId: me.orgId }, body: { pgpPublicKey: null } }), (o) => {
      setCurrent(o.pgpPublicKey);
      setSaved(false);
    });
  return (
    <section class="card" aria-labelledby="pgp-heading" data-testid="pgp-key">
      <h3 id="pgp-heading">{t('pgp.heading')}</h3>
      <p class="muted">{t('pgp.why')}</p>
      <p data-testid="pgp-current">
        {current === null ? t('loading') : current ? t('pgp.present') : t('pgp.absent')}
      </p>
      {current && (
        <button type="button" onClick={remove}>
          {t('pgp.remove')}
        </button>
      )}
      <form class="form" name="pgp" onSubmit={save}>
        <label>
          {t('pgp.file')}
          <input
            type="file"
            name="pgp-file"
            accept=".asc,.txt,.pgp,application/pgp-keys"
            onChange={(e) => {
              const file = e.currentTarget.files?.[0];
              if (file) run(file.text(), setText);
            }}
          />
        </label>
        <label>
          {t('pgp.paste')}
          <textarea
            name="pgp-text"
            rows={6}
            spellcheck={false}
            placeholder="-----BEGIN PGP PUBLIC KEY BLOCK-----"
            value={text}
            onInput={(e) => setText(e.currentTarget.value)}
          />
        </label>
        <button class="primary" type="submit" disabled={!text.trim()}>
          {t('pgp.save')}
        </button>
      </form>
      {saved && <p role="status">{t('pgp.saved')}</p>}
      <ErrorLine t={t} error={error} />
    </section>
  );
}

/** Subscriptions and credentials of the caller's organisation. Keys, MQTT and OpenPGP: org-admins (the API decides). */
export function SubscriptionsScreen(props: Props & { orgAdmin: boolean }) {
  const { t, orgAdmin } = props;
  return (
    <section aria-labelledby="screen-heading">
      <h2 id="screen-heading">{t('nav.subscriptions')}</h2>
      <div class="cards wide">
        <Subscriptions {...props} />
        {orgAdmin ? (
          <>
            <ApiKeys {...props} />
            <MqttCredentialsCard {...props} />
            <PgpKey {...props} />
          </>
        ) : (
          <section class="card" aria-labelledby="creds-heading">
            <h3 id="creds-heading">{t('keys.heading')}</h3>
            <p class="muted">{t('creds.orgAdminOnly')}</p>
          </section>
        )}
      </div>
    </section>
  );
}
