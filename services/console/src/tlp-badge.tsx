import type { Translate } from './i18n.js';
import type { TlpLevel } from './tlp.js';

/** A TLP label in the official TLP 2.0 colours on black (FIRST), in both themes. */
export function TlpBadge({ t, level }: { t: Translate; level: TlpLevel | undefined }) {
  if (!level) return <span class="tlp tlp-none">{t('tlp.unmarked')}</span>;
  return <span class={`tlp tlp-${level.replace('+', '-')}`}>{`TLP:${level.toUpperCase()}`}</span>;
}
