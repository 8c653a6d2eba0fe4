import { useState } from 'preact/hooks';
import { ApiError, type ApiRoutes, type RouteAnswer } from '@isac/api';
import { api, isUnauthenticated, messageOf } from '../api.js';
import type { Lang, MessageKey, Translate } from '../i18n.js';
import { stixMessage } from '../stix-messages.js';
import { TLP_LEVELS, type TlpLevel } from '../tlp.js';
import { TlpBadge } from '../tlp-badge.js';
import { checkBundle, type BundleCheck } from './bundle-check.js';

type Status = RouteAnswer<ApiRoutes['submitIndicator']>;

/** The IOC kinds of `POST /api/v1/indicators` (libs/stix IOC_KINDS), in the order a person looks for them. */
const KINDS = ['ipv4', 'ipv6', 'domain', 'url', 'email', 'md5', 'sha1', 'sha256', 'sha512'] as const;
type Kind = (typeof KINDS)[number];

/** Problems shown at most: a bundle of thousands may have thousands; the count says the rest. */
const SHOWN = 200;

const tlpKey = (level: TlpLevel): MessageKey =>
  `submit.tlp.${level === 'amber+strict' ? 'amberStrict' : level}` as MessageKey;

const list = (text: string): string[] =>
  text
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter(Boolean);

/** What the hub answered, or why it refused, kept for display. */
type Outcome =
  | { state: 'idle' }
  | { state: 'sending' }
  | { state: 'answered'; status: Status }
  | { state: 'refused'; message: string; details: readonly { path: string; message: string }[] };

function refusal(err: unknown): Outcome {
  if (err instanceof ApiError) return { state: 'refused', message: err.message, details: err.details };
  return { state: 'refused', message: messageOf(err), details: [] };
}

/** Who receives an object at a TLP under the hub's tier table (ADR 0003), in the reader's language. */
function Consequence({
  t,
  tlp,
  named,
  exercise,
}: {
  t: Translate;
  tlp: TlpLevel;
  named: boolean;
  exercise: boolean;
}) {
  return (
    <div class="consequence" aria-live="polite" data-testid="tlp-consequence">
      <p>
        <TlpBadge t={t} level={tlp} /> {t(tlpKey(tlp))}
      </p>
      {named && <p>{t('submit.named.consequence')}</p>}
      {exercise && <p>{t('submit.exercise.consequence')}</p>}
      <p class="muted">{t('submit.tlp.note')}</p>
    </div>
  );
}

/** Distribution fields shared by both forms: named recipients and the exercise. */
interface Distribution {
  named: string;
  exercise: boolean;
  exerciseId: string;
}

function DistributionFields({
  t,
  idPrefix,
  value,
  onChange,
}: {
  t: Translate;
  idPrefix: string;
  value: Distribution;
  onChange: (d: Distribution) => void;
}) {
  return (
    <>
      <label>
        {t('submit.named')}
        <input
          name={`${idPrefix}-named`}
          value={value.named}
          placeholder="bank-b, bank-c"
          aria-describedby={`${idPrefix}-named-help`}
          onInput={(e) => onChange({ ...value, named: e.currentTarget.value })}
        />
        <span id={`${idPrefix}-named-help`} class="muted help">
          {t('submit.named.help')}
        </span>
      </label>
      <label class="check">
        <input
          type="checkbox"
          name={`${idPrefix}-exercise`}
          checked={value.exercise}
          onChange={(e) => onChange({ ...value, exercise: e.currentTarget.checked })}
        />
        {t('submit.exercise')}
      </label>
      {value.exercise && (
        <label>
          {t('submit.exercise.id')}
          <input
            name={`${idPrefix}-exercise-id`}
            required
            value={value.exerciseId}
            onInput={(e) => onChange({ ...value, exerciseId: e.currentTarget.value })}
          />
        </label>
      )}
    </>
  );
}

const distributionBody = (d: Distribution) => ({
  ...(list(d.named).length ? { namedRecipients: list(d.named) } : {}),
  named: false,
  exercise: d.exercise ? d.exerciseId.trim() : false,
});

/** The hub's answer: the status resource (per object), or its refusal with the fields it names. */
function OutcomeView({ t, outcome, testId }: { t: Translate; outcome: Outcome; testId: string }) {
  if (outcome.state === 'idle') return null;
  if (outcome.state === 'sending')
    return (
      <p role="status" data-testid={testId}>
        {t('submit.sending')}
      </p>
    );
  if (outcome.state === 'refused')
    return (
      <div role="alert" class="error" data-testid={testId}>
        <p>{t('submit.refused', { message: outcome.message })}</p>
        {outcome.details.length > 0 && (
          <ul>
            {outcome.details.map((d, i) => (
              <li key={i}>
                <code>{d.path || '/'}</code>: {d.message}
              </li>
            ))}
          </ul>
        )}
      </div>
    );
  const s = outcome.status;
  return (
    <div role="status" data-testid={testId} class="outcome">
      <p>
        <strong>
          {s.failure_count === 0
            ? t('submit.status.accepted', { n: s.success_count })
            : t('submit.status.partly', { ok: s.success_count, failed: s.failure_count })}
        </strong>{' '}
        {s.pending_count > 0 && t('submit.status.pending', { n: s.pending_count })}
      </p>
      <p class="muted">{t('submit.status.id', { id: s.id })}</p>
      {(s.failures ?? []).length > 0 && (
        <>
          <h4>{t('submit.status.failures')}</h4>
          <ul data-testid={`${testId}-failures`}>
            {(s.failures ?? []).map((f) => (
              <li key={`${f.id}|${f.version}`} class="error">
                <code>{f.id}</code>: {f.message}
              </li>
            ))}
          </ul>
        </>
      )}
      {(s.successes ?? []).length > 0 && (
        <>
          <h4>{t('submit.status.successes')}</h4>
          <ul>
            {(s.successes ?? []).slice(0, SHOWN).map((x) => (
              <li key={`${x.id}|${x.version}`}>
                <code>{x.id}</code>
                {x.message && <span class="note"> — {x.message}</span>}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

function IndicatorForm({ t, onUnauthenticated }: { t: Translate; onUnauthenticated: () => void }) {
  const [kind, setKind] = useState<Kind>('ipv4');
  const [value, setValue] = useState('');
  const [tlp, setTlp] = useState<TlpLevel>('amber');
  const [confidence, setConfidence] = useState('');
  const [validUntil, setValidUntil] = useState('');
  const [labels, setLabels] = useState('');
  const [dist, setDist] = useState<Distribution>({ named: '', exercise: false, exerciseId: '' });
  const [outcome, setOutcome] = useState<Outcome>({ state: 'idle' });

  const submit = (e: Event) => {
    e.preventDefault();
    setOutcome({ state: 'sending' });
    api
      .submitIndicator({
        body: {
          kind,
          value: value.trim(),
          tlp,
          ...(confidence.trim() ? { confidence: Number(confidence) } : {}),
          ...(validUntil.trim() ? { validUntil: validUntil.trim() } : {}),
          ...(list(labels).length ? { labels: list(labels) } : {}),
          ...distributionBody(dist),
        },
      })
      .then(
        (status) => setOutcome({ state: 'answered', status }),
        (err: unknown) => (isUnauthenticated(err) ? onUnauthenticated() : setOutcome(refusal(err))),
      );
  };

  return (
    <section class="card" aria-labelledby="indicator-heading">
      <h3 id="indicator-heading">{t('submit.indicator.heading')}</h3>
      <form class="form" name="indicator" onSubmit={submit}>
        <label>
          {t('submit.kind')}
          <select name="kind" value={kind} onChange={(e) => setKind(e.currentTarget.value as Kind)}>
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`submit.kind.${k}` as MessageKey)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('submit.value')}
          <input
            name="value"
            required
            maxLength={4096}
            value={value}
            onInput={(e) => setValue(e.currentTarget.value)}
          />
        </label>
        <fieldset>
          <legend>{t('submit.tlp')}</legend>
          <div class="tlp-choices">
            {TLP_LEVELS.map((l) => (
              <label key={l} class="check">
                <input type="radio" name="tlp" value={l} checked={tlp === l} onChange={() => setTlp(l)} />
                <TlpBadge t={t} level={l} />
              </label>
            ))}
          </div>
          <Consequence t={t} tlp={tlp} named={list(dist.named).length > 0} exercise={dist.exercise} />
        </fieldset>
        <label>
          {t('submit.confidence')}
          <input
            name="confidence"
            type="number"
            min={0}
            max={100}
            step={1}
            value={confidence}
            onInput={(e) => setConfidence(e.currentTarget.value)}
          />
        </label>
        <label>
          {t('submit.validUntil')}
          <input
            name="validUntil"
            placeholder="30d"
            aria-describedby="valid-until-help"
            value={validUntil}
            onInput={(e) => setValidUntil(e.currentTarget.value)}
          />
          <span id="valid-until-help" class="muted help">
            {t('submit.validUntil.help')}
          </span>
        </label>
        <label>
          {t('submit.labels')}
          <input
            name="labels"
            placeholder="phishing, c2"
            value={labels}
            onInput={(e) => setLabels(e.currentTarget.value)}
          />
        </label>
        <DistributionFields t={t} idPrefix="indicator" value={dist} onChange={setDist} />
        <button class="primary" type="submit" disabled={outcome.state === 'sending'}>
          {t('submit.indicator.send')}
        </button>
      </form>
      <OutcomeView t={t} outcome={outcome} testId="indicator-outcome" />
    </section>
  );
}

function BundleForm({
  t,
  lang,
  onUnauthenticated,
}: {
  t: Translate;
  lang: Lang;
  onUnauthenticated: () => void;
}) {
  const [text, setText] = useState('');
  const [check, setCheck] = useState<BundleCheck | undefined>();
  const [defaultTlp, setDefaultTlp] = useState<TlpLevel | ''>('');
  const [dist, setDist] = useState<Distribution>({ named: '', exercise: false, exerciseId: '' });
  const [outcome, setOutcome] = useState<Outcome>({ state: 'idle' });

  const update = (next: string) => {
    setText(next);
    setOutcome({ state: 'idle' });
    if (!next.trim()) {
      setCheck(undefined);
      return;
    }
    checkBundle(next).then(
      (c) => setCheck(c),
      (err: unknown) => setOutcome(refusal(err)),
    );
  };
  const readFile = (input: HTMLInputElement) => {
    const file = input.files?.[0];
    if (file) file.text().then(update, (err: unknown) => setOutcome(refusal(err)));
  };
  const sendable = check !== undefined && check.problems.length === 0 && check.bundle !== undefined;
  const submit = (e: Event) => {
    e.preventDefault();
    if (!sendable) return;
    setOutcome({ state: 'sending' });
    api
      .submitBundle({
        body: {
          bundle: check.bundle,
          ...(defaultTlp ? { defaultTlp } : {}),
          ...distributionBody(dist),
        },
      })
      .then(
        (status) => setOutcome({ state: 'answered', status }),
        (err: unknown) => (isUnauthenticated(err) ? onUnauthenticated() : setOutcome(refusal(err))),
      );
  };

  return (
    <section class="card" aria-labelledby="bundle-heading">
      <h3 id="bundle-heading">{t('submit.bundle.heading')}</h3>
      <form class="form" name="bundle" onSubmit={submit}>
        <label>
          {t('submit.bundle.file')}
          <input
            type="file"
            name="bundle-file"
            accept=".json,application/json,application/stix+json"
            onChange={(e) => readFile(e.currentTarget)}
          />
        </label>
        <label>
          {t('submit.bundle.paste')}
          <textarea
            name="bundle-text"
            rows={10}
            spellcheck={false}
            value={text}
            aria-describedby="bundle-check"
            onInput={(e) => update(e.currentTarget.value)}
          />
        </label>
        <div id="bundle-check" aria-live="polite" data-testid="bundle-check">
          {check && check.problems.length === 0 && (
            <p class="ok">{t('submit.bundle.valid', { n: check.objects })}</p>
          )}
          {check && check.problems.length > 0 && (
            <div class="error">
              <p>{t('submit.bundle.invalid', { n: check.problems.length })}</p>
              <ul>
                {check.problems.slice(0, SHOWN).map((p, i) => {
                  const said =
                    p.rule === undefined
                      ? { text: t('submit.bundle.json'), detail: p.message }
                      : stixMessage(lang, p.rule, p.message);
                  return (
                    <li key={i} data-testid="bundle-problem">
                      {p.index === undefined
                        ? t('submit.bundle.whole')
                        : t('submit.bundle.object', { n: p.index + 1, id: p.id ?? '?' })}
                      {p.path ? (
                        <>
                          {t('submit.bundle.sep')}
                          {t('submit.bundle.field')} <code>{p.path}</code>
                        </>
                      ) : (
                        p.index !== undefined && `${t('submit.bundle.sep')}${t('submit.bundle.field.whole')}`
                      )}
                      {': '}
                      {said.text}
                      {said.detail !== undefined && (
                        <span class="muted" lang="en">
                          {' '}
                          ({said.detail})
                        </span>
                      )}
                    </li>
                  );
                })}
              </ul>
              {check.problems.length > SHOWN && (
                <p>{t('submit.bundle.more', { n: check.problems.length - SHOWN })}</p>
              )}
            </div>
          )}
        </div>
        <label>
          {t('submit.bundle.defaultTlp')}
          <select
            name="defaultTlp"
            value={defaultTlp}
            onChange={(e) => setDefaultTlp(e.currentTarget.value as TlpLevel | '')}
          >
            <option value="">{t('submit.bundle.defaultTlp.hub')}</option>
            {TLP_LEVELS.map((l) => (
              <option key={l} value={l}>{`TLP:${l.toUpperCase()}`}</option>
            ))}
          </select>
        </label>
        {defaultTlp && (
          <Consequence t={t} tlp={defaultTlp} named={list(dist.named).length > 0} exercise={dist.exercise} />
        )}
        <DistributionFields t={t} idPrefix="bundle" value={dist} onChange={setDist} />
        <button class="primary" type="submit" disabled={!sendable || outcome.state === 'sending'}>
          {t('submit.bundle.send')}
        </button>
      </form>
      <OutcomeView t={t} outcome={outcome} testId="bundle-outcome" />
    </section>
  );
}

/** Submit: one indicator as plain fields, or a STIX bundle checked in the page before sending. */
export function Submit({
  t,
  lang,
  onUnauthenticated,
}: {
  t: Translate;
  lang: Lang;
  onUnauthenticated: () => void;
}) {
  return (
    <section aria-labelledby="screen-heading">
      <h2 id="screen-heading">{t('nav.submit')}</h2>
      <div class="cards wide">
        <IndicatorForm t={t} onUnauthenticated={onUnauthenticated} />
        <BundleForm t={t} lang={lang} onUnauthenticated={onUnauthenticated} />
      </div>
    </section>
  );
}
