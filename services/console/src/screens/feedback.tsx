import { useEffect, useState } from 'preact/hooks';
import { ApiError, type ApiRoutes, type RouteAnswer } from '@isac/api';
import { api, isUnauthenticated, messageOf } from '../api.js';
import type { Translate } from '../i18n.js';

/**
 * Sightings and false positives on one object (issue 17, ADR 0046), inside the Objects screen's
 * detail: "Seen it" (an optional count) and "False positive" (a reason, required) through
 * `POST /api/v1/objects/{id}/sightings`, and the anonymised aggregate its `GET` answers. The page
 * shows only what the hub answered: counts and sectors, never an organisation.
 */

type View = RouteAnswer<ApiRoutes['objectFeedback']>;

type State = { state: 'loading' } | { state: 'failed'; message: string } | { state: 'done'; view: View };

/** An API error in words: a 404 means the hub has no object this organisation may report on. */
function errorText(t: Translate, err: unknown): string {
  if (err instanceof ApiError && err.status === 404) return t('feedback.notFound', { message: err.message });
  return messageOf(err);
}

export function Feedback(props: { t: Translate; objectId: string; onUnauthenticated: () => void }) {
  const { t, objectId, onUnauthenticated } = props;
  const [view, setView] = useState<State>({ state: 'loading' });
  const [count, setCount] = useState('');
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();

  useEffect(() => {
    api.objectFeedback({ params: { objectId } }).then(
      (v) => setView({ state: 'done', view: v }),
      (err: unknown) => {
        if (isUnauthenticated(err)) onUnauthenticated();
        else setView({ state: 'failed', message: errorText(t, err) });
      },
    );
  }, [objectId]);

  const report = (body: { count?: number; falsePositive?: true; reason?: string }) => {
    setBusy(true);
    setDone(undefined);
    setError(undefined);
    api
      .reportSighting({ params: { objectId }, body })
      .then(
        (r) => {
          setView({ state: 'done', view: r });
          setDone(
            t(r.kind === 'false_positive' ? 'feedback.fp.done' : 'feedback.seen.done', {
              tlp: `TLP:${r.tlp.toUpperCase()}`,
            }),
          );
          if (body.falsePositive) setReason('');
          else setCount('');
        },
        (err: unknown) => {
          if (isUnauthenticated(err)) onUnauthenticated();
          else setError(errorText(t, err));
        },
      )
      .finally(() => setBusy(false));
  };

  const a = view.state === 'done' ? view.view.aggregate : undefined;
  return (
    <section aria-labelledby="feedback-heading" class="card feedback" data-testid="feedback">
      <h3 id="feedback-heading">{t('feedback.heading')}</h3>
      {view.state === 'loading' && <p class="muted">{t('loading')}</p>}
      {view.state === 'failed' && (
        <p class="error" role="alert">
          {t('error.load', { message: view.message })}
        </p>
      )}
      {view.state === 'done' && a && (
        <dl class="facts" data-testid="feedback-aggregate">
          <dt>{t('feedback.orgs')}</dt>
          <dd data-testid="feedback-orgs">{a.organisations}</dd>
          <dt>{t('feedback.sightings')}</dt>
          <dd>{a.sightings}</dd>
          <dt>{t('feedback.sectors')}</dt>
          <dd data-testid="feedback-sectors">
            {a.sectors.length ? a.sectors.map((s) => `${s.sector} (${s.organisations})`).join(', ') : '—'}
          </dd>
          <dt>{t('feedback.falsePositives')}</dt>
          <dd data-testid="feedback-fps">{a.falsePositives}</dd>
          <dt>{t('feedback.confidence')}</dt>
          <dd data-testid="feedback-confidence">{view.view.confidence}</dd>
          {a.lastSeen && (
            <>
              <dt>{t('feedback.lastSeen')}</dt>
              <dd>
                <time dateTime={a.lastSeen}>{a.lastSeen}</time>
              </dd>
            </>
          )}
        </dl>
      )}
      <form
        class="feedback-form"
        onSubmit={(e) => {
          e.preventDefault();
          const n = Number(count);
          report(count === '' ? {} : { count: n });
        }}
      >
        <label>
          {t('feedback.count')}
          <input
            name="count"
            type="number"
            min="1"
            step="1"
            inputMode="numeric"
            value={count}
            onInput={(e) => setCount(e.currentTarget.value)}
          />
        </label>
        <button type="submit" name="seen" class="primary" disabled={busy}>
          {t('feedback.seen')}
        </button>
      </form>
      <form
        class="feedback-form"
        onSubmit={(e) => {
          e.preventDefault();
          report({ falsePositive: true, reason: reason.trim() });
        }}
      >
        <label class="wide">
          {t('feedback.reason')}
          <textarea
            name="reason"
            required
            maxLength={1000}
            rows={2}
            value={reason}
            onInput={(e) => setReason(e.currentTarget.value)}
          />
        </label>
        <button type="submit" name="false-positive" disabled={busy || reason.trim() === ''}>
          {t('feedback.fp')}
        </button>
      </form>
      <p role="status" data-testid="feedback-status">
        {done}
      </p>
      {error && (
        <p class="error" role="alert" data-testid="feedback-error">
          {t('feedback.failed', { message: error })}
        </p>
      )}
      <p class="muted hint">{t('feedback.hint')}</p>
    </section>
  );
}
