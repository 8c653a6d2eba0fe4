import type { TlpLevel } from '@isac/kernel';
import type { Observable } from '@isac/stix';
import { T, pick, typeName, type Lang } from './i18n.js';

type Json = Readonly<Record<string, unknown>>;

/** A message before MIME: every value already safe for its place. */
export interface RenderedMail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly attachments: readonly { filename: string; contentType: string; content: string | Buffer }[];
}

export const STIX_MEDIA_TYPE = 'application/stix+json;version=2.1';

/** Header values: no CR/LF or other control characters (no header injection), bounded length. */
export function headerSafe(s: string, max = 200): string {
  // eslint-disable-next-line no-control-regex
  const clean = s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

const str = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
const tlpLabel = (t: TlpLevel): string => t.toUpperCase();

function prefix(tlp: TlpLevel | undefined, exercise: boolean, lang: Lang): string {
  return `[ISAC]${exercise ? `[${pick(lang, T.exercise.ja, T.exercise.en, '/')}]` : ''}${tlp ? `[TLP:${tlpLabel(tlp)}]` : ''}`;
}

function nameOf(o: Json): string {
  return str(o['name']) ?? str(o['value']) ?? String(o['id']);
}

interface Row {
  readonly label: string;
  readonly value: string;
}

function objectRows(o: Json, tlp: TlpLevel, alertId: string, l: 'ja' | 'en'): Row[] {
  const F = T.fields;
  const rows: Row[] = [
    { label: F.name[l], value: nameOf(o) },
    { label: F.type[l], value: typeName(String(o['type']), l) },
    { label: F.tlp[l], value: `TLP:${tlpLabel(tlp)}` },
    { label: F.id[l], value: String(o['id']) },
  ];
  const add = (label: string, v: unknown): void => {
    const s = Array.isArray(v) ? v.filter((x) => typeof x === 'string').join(', ') : str(v);
    if (s) rows.push({ label, value: s });
  };
  add(F.validFrom[l], o['valid_from']);
  add(F.validUntil[l], o['valid_until']);
  add(F.confidence[l], o['confidence']);
  add(F.labels[l], o['labels']);
  add(F.pattern[l], o['pattern']);
  add(F.description[l], o['description']);
  rows.push({ label: F.alertId[l], value: alertId });
  return rows;
}

function langs(lang: Lang): ('ja' | 'en')[] {
  return lang === 'both' ? ['ja', 'en'] : [lang];
}

function textTable(rows: readonly Row[]): string {
  return rows.map((r) => `${r.label}: ${r.value.replace(/\r?\n/g, '\n    ')}`).join('\n');
}

function htmlTable(rows: readonly Row[]): string {
  return `<table border="1" cellpadding="4" cellspacing="0">${rows
    .map(
      (r) =>
        `<tr><th align="left">${escapeHtml(r.label)}</th><td>${escapeHtml(r.value).replace(/\r?\n/g, '<br>')}</td></tr>`,
    )
    .join('')}</table>`;
}

function obsRows(
  obs: readonly Observable[],
  l: 'ja' | 'en',
): { head: [string, string]; rows: [string, string][] } {
  return {
    head: [T.fields.kind[l], T.fields.value[l]],
    rows: obs.map((o) => [o.algorithm ? `${o.kind} (${o.algorithm})` : o.kind, o.value]),
  };
}

function obsText(obs: readonly Observable[], l: 'ja' | 'en'): string {
  if (obs.length === 0) return '';
  const t = obsRows(obs, l);
  return `\n${T.fields.observables[l]}:\n${t.rows.map(([k, v]) => `  ${k.padEnd(18)} ${v}`).join('\n')}\n`;
}

function obsHtml(obs: readonly Observable[], l: 'ja' | 'en'): string {
  if (obs.length === 0) return '';
  const t = obsRows(obs, l);
  return `<h3>${escapeHtml(T.fields.observables[l])}</h3><table border="1" cellpadding="4" cellspacing="0"><tr><th>${escapeHtml(t.head[0])}</th><th>${escapeHtml(t.head[1])}</th></tr>${t.rows
    .map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td><code>${escapeHtml(v)}</code></td></tr>`)
    .join('')}</table>`;
}

export const htmlDoc = (title: string, body: string): string =>
  `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body>${body}</body></html>`;

export interface AlertMailInput {
  readonly object: Json;
  readonly bundle: Json;
  readonly tlp: TlpLevel;
  readonly alertId: string;
  readonly exercise: boolean;
  readonly observables: readonly Observable[];
  readonly lang: Lang;
}

/** One alert with its content: subject, text, HTML, the bundle attached. */
export function renderAlert(i: AlertMailInput): RenderedMail {
  const type = String(i.object['type']);
  const name = nameOf(i.object);
  const subject = headerSafe(
    `${prefix(i.tlp, i.exercise, i.lang)} ${pick(i.lang, T.newObject.ja(typeName(type, 'ja')), T.newObject.en(typeName(type, 'en')))}: ${name}`,
    240,
  );
  const text: string[] = [];
  const html: string[] = [];
  for (const l of langs(i.lang)) {
    const rows = objectRows(i.object, i.tlp, i.alertId, l);
    const heading = `${i.exercise ? `[${T.exercise[l]}] ` : ''}${T.newObject[l](typeName(type, l))}`;
    text.push(
      `${heading}\n\n${textTable(rows)}\n${obsText(i.observables, l)}\n${T.ack[l](i.alertId)}\n${T.attached[l]}`,
    );
    html.push(
      `<h2>${escapeHtml(heading)}</h2>${htmlTable(rows)}${obsHtml(i.observables, l)}<p>${escapeHtml(T.ack[l](i.alertId))}</p><p>${escapeHtml(T.attached[l])}</p>`,
    );
  }
  return {
    subject,
    text: text.join('\n\n----------------------------------------\n\n'),
    html: htmlDoc(subject, html.join('<hr>')),
    attachments: [
      {
        filename: `alert-${i.alertId}.stix.json`,
        contentType: STIX_MEDIA_TYPE,
        content: JSON.stringify(i.bundle, null, 2),
      },
    ],
  };
}

/** No content: says an alert exists and how to fetch it over TAXII (RED/AMBER without a key). */
export function renderNotice(i: {
  objectId: string;
  tlp: TlpLevel;
  alertId: string;
  exercise: boolean;
  lang: Lang;
  taxiiUrl: string;
}): RenderedMail {
  const subject = headerSafe(
    `${prefix(i.tlp, i.exercise, i.lang)} ${pick(i.lang, T.notice.ja, T.notice.en)}`,
  );
  const text: string[] = [];
  const html: string[] = [];
  for (const l of langs(i.lang)) {
    const body = T.noticeBody[l](tlpLabel(i.tlp), i.taxiiUrl, i.objectId);
    text.push(`${body}\n${T.fields.alertId[l]}: ${i.alertId}\n${T.ack[l](i.alertId)}`);
    html.push(
      `<p>${escapeHtml(body).replace(/\n/g, '<br>')}</p><p>${escapeHtml(T.fields.alertId[l])}: ${escapeHtml(i.alertId)}</p>`,
    );
  }
  return { subject, text: text.join('\n\n'), html: htmlDoc(subject, html.join('<hr>')), attachments: [] };
}

/**
 * A retraction notice (issue 14.4): an object the recipient got earlier was retracted. Names the
 * object and the reason (when the object's handling allows clear mail: CLEAR or GREEN, or the
 * mail is encrypted), in the subscription's language (both, Japanese first, when bilingual).
 */
export function renderRetraction(i: {
  objectId: string;
  type: string;
  name?: string | undefined;
  tlp: TlpLevel;
  alertId: string;
  exercise: boolean;
  retractedAt: string;
  reason?: string | undefined;
  lang: Lang;
}): RenderedMail {
  const subject = headerSafe(
    `${prefix(i.tlp, i.exercise, i.lang)}[${pick(i.lang, T.retracted.ja, T.retracted.en)}] ${i.name ?? i.objectId}`,
  );
  const text: string[] = [];
  const html: string[] = [];
  for (const l of langs(i.lang)) {
    const body = T.retractionBody[l](typeName(i.type, l), i.objectId, i.retractedAt);
    const reason = `${T.retractionReason[l]}: ${i.reason ?? T.retractionNoReason[l]}`;
    text.push(`${body}\n${reason}\n${T.fields.alertId[l]}: ${i.alertId}\n${T.ack[l](i.alertId)}`);
    html.push(
      `<p>${escapeHtml(body)}</p><p>${escapeHtml(reason)}</p><p>${escapeHtml(T.fields.alertId[l])}: ${escapeHtml(i.alertId)}</p>`,
    );
  }
  return { subject, text: text.join('\n\n'), html: htmlDoc(subject, html.join('<hr>')), attachments: [] };
}

/** Trial reminder, always Japanese and English. */
export function renderTrialReminder(i: { daysLeft: number; endsAt: string; orgName: string }): RenderedMail {
  const subject = headerSafe(`[ISAC] ${pick('both', T.trial.ja(i.daysLeft), T.trial.en(i.daysLeft))}`);
  const end = i.endsAt.slice(0, 10);
  const ja = `${i.orgName} 御中\n\n${T.trialBody.ja(i.daysLeft, end)}`;
  const en = `To ${i.orgName},\n\n${T.trialBody.en(i.daysLeft, end)}`;
  return {
    subject,
    text: `${ja}\n\n----------------------------------------\n\n${en}`,
    html: htmlDoc(
      subject,
      `<p>${escapeHtml(ja).replace(/\n/g, '<br>')}</p><hr><p>${escapeHtml(en).replace(/\n/g, '<br>')}</p>`,
    ),
    attachments: [],
  };
}
