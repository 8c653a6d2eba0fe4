import { useEffect, useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';
import { isUnauthenticated, messageOf } from '../../api.js';
import type { Lang, Translate } from '../../i18n.js';

/** What every administration panel is given. */
export interface PanelProps {
  readonly t: Translate;
  readonly lang: Lang;
  readonly onUnauthenticated: () => void;
}

export type Load<T> =
  { state: 'loading' } | { state: 'done'; value: T } | { state: 'failed'; message: string };

/** Loads when `deps` change; `reload` loads again (after an action). */
export function useLoad<T>(
  load: () => Promise<T>,
  deps: readonly unknown[],
  onUnauthenticated: () => void,
): [Load<T>, () => void] {
  const [result, setResult] = useState<Load<T>>({ state: 'loading' });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    setResult((r) => (r.state === 'done' ? r : { state: 'loading' }));
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
  }, [...deps, round]);
  return [result, () => setRound((n) => n + 1)];
}

export function Loaded<T>({
  t,
  load,
  children,
}: {
  t: Translate;
  load: Load<T>;
  children: (value: T) => ComponentChildren;
}) {
  if (load.state === 'loading') return <p class="muted">{t('loading')}</p>;
  if (load.state === 'failed') return <p class="error">{t('error.load', { message: load.message })}</p>;
  return <>{children(load.value)}</>;
}

export type Outcome = { kind: 'ok'; text: string } | { kind: 'error'; text: string } | undefined;

/**
 * Runs one action at a time and says how it went: a status line after success, an alert naming
 * the API's message after failure; `after` (reload) runs on success.
 */
export function useAction(t: Translate, onUnauthenticated: () => void) {
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>();
  const run = <T,>(action: () => Promise<T>, success: (value: T) => string, after?: () => void) => {
    setBusy(true);
    setOutcome(undefined);
    action().then(
      (value) => {
        setBusy(false);
        setOutcome({ kind: 'ok', text: success(value) });
        after?.();
      },
      (err: unknown) => {
        setBusy(false);
        if (isUnauthenticated(err)) onUnauthenticated();
        else setOutcome({ kind: 'error', text: t('admin.failed', { message: messageOf(err) }) });
      },
    );
  };
  return { busy, outcome, run, clear: () => setOutcome(undefined) };
}

export function OutcomeLine({ outcome, testId }: { outcome: Outcome; testId?: string }) {
  if (!outcome) return null;
  return outcome.kind === 'ok' ? (
    <p role="status" class="ok" data-testid={testId}>
      {outcome.text}
    </p>
  ) : (
    <p role="alert" class="error" data-testid={testId}>
      {outcome.text}
    </p>
  );
}

/** A date and time in the page's language and time zone. */
export function when(lang: Lang, iso: string | undefined): string {
  if (!iso) return '-';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(lang === 'ja' ? 'ja-JP' : 'en-GB', { dateStyle: 'medium', timeStyle: 'short' });
}

export function day(lang: Lang, iso: string | undefined): string {
  if (!iso) return '-';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleDateString(lang === 'ja' ? 'ja-JP' : 'en-GB', { dateStyle: 'medium' });
}
