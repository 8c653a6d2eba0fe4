import { useState } from 'preact/hooks';
import type { Translate } from '../i18n.js';

/**
 * A secret or a command line to copy: shown in a read-only field (selectable by hand) with a copy
 * button. The clipboard API needs a secure context; when it refuses, the text is selected instead.
 */
export function Copyable({
  t,
  label,
  value,
  testId,
}: {
  t: Translate;
  label: string;
  value: string;
  testId: string;
}) {
  const [copied, setCopied] = useState<'no' | 'yes' | 'select'>('no');
  let field: HTMLTextAreaElement | null = null;
  const copy = () => {
    const select = () => {
      field?.focus();
      field?.select();
      setCopied('select');
    };
    if (!navigator.clipboard) return select();
    navigator.clipboard.writeText(value).then(() => setCopied('yes'), select);
  };
  return (
    <div class="copyable">
      <label>
        {label}
        <textarea
          readOnly
          rows={value.length > 100 ? 3 : value.length > 40 ? 2 : 1}
          spellcheck={false}
          data-testid={testId}
          ref={(el) => {
            field = el;
          }}
          value={value}
        />
      </label>
      <button type="button" onClick={copy}>
        {t('copy')}
      </button>
      <span role="status" class="muted">
        {copied === 'yes' ? t('copy.done') : copied === 'select' ? t('copy.select') : ''}
      </span>
    </div>
  );
}
