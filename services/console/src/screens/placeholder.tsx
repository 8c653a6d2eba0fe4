import type { Translate } from '../i18n.js';

/** A screen of issue 17 that is not built yet. */
export function Placeholder({ t, title }: { t: Translate; title: string }) {
  return (
    <section aria-labelledby="screen-heading" data-testid="placeholder">
      <h2 id="screen-heading">{title}</h2>
      <p>
        <strong>{t('placeholder.heading')}</strong>
      </p>
      <p class="muted">{t('placeholder.body')}</p>
    </section>
  );
}
