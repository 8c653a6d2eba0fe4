import { hash, randomUUID } from 'node:crypto';
import { ValidationError, type ErrorDetail, type TlpLevel } from '@isac/kernel';
import {
  eventKind,
  eventMemberIds,
  isEmailAddress,
  isEvent,
  markingDefinitionById,
  tlp2Marking,
  tlpMarkingById,
  uuidV5,
  type Observable,
} from '@isac/stix';
import MailComposer from 'nodemailer/lib/mail-composer';
import MimeNode from 'nodemailer/lib/mime-node';
import { Zip, type ZipInputFile } from 'fflate';
import { crc32, deflateRawSync } from 'node:zlib';
import { observablesOf } from '@isac/policy';
import { defang, type DefangKind } from './defang.js';
import { CSV_MEDIA_TYPE, renderMailCsv } from './mail-csv.js';
import { KIND_NAMES, M, TLP_ASK_SOURCE, TLP_HANDLING, typeLabel, type MailLang } from './mail-text.js';
import { checkTimeZone, DEFAULT_MAIL_TIME_ZONE, formatMailTime } from './mail-time.js';
import { escapeHtml, headerSafe, STIX_MEDIA_TYPE, type RenderedMail } from './render.js';
import { addressed, withoutAddress } from './mime.js';

type Json = Readonly<Record<string, unknown>>;

/** The hub as mail shows it: where links point and who the mail is from. */
export interface MailHub {
  /** `ISAC_PUBLIC_URL`: the base every link in mail starts with (`https://hub.isac.example`). */
  readonly publicUrl: string;
  /** Where the objects are served over TAXII (for an exercise: the exercise collection). */
  readonly taxii: { readonly apiRoot: string; readonly collectionId: string };
  /** The From header, `"ISAC Hub" <alerts@hub.isac.example>`; its domain names Message-IDs. */
  readonly from: string;
}

/** One email subscription: one language, one zone, its own addresses. */
export interface MailSubscription {
  readonly id: string;
  readonly lang: MailLang;
  /** IANA name; default Asia/Tokyo. */
  readonly timeZone?: string | undefined;
  /** Bare addresses; each gets its own message, with only itself in To. */
  readonly to: readonly string[];
}

interface CommonMailInput {
  readonly hub: MailHub;
  readonly subscription: MailSubscription;
  /** The alert this mail carries (one per submission, recipient, TLP and channel). */
  readonly alertId: string;
  readonly tlp: TlpLevel;
  /** The objects as released to this recipient (after the policy's redaction). */
  readonly objects: readonly Json[];
  /** An exercise submission: tagged in subject and body; its name is shown when given. */
  readonly exercise: boolean;
  readonly exerciseName?: string | undefined;
  /** The Date header. */
  readonly date: Date;
  /** How many objects are written out in the body (default 20); all are in the attachments. */
  readonly fullCount?: number | undefined;
  /**
   * Names the released set for reuse across recipients: equal keys promise equal `objects`
   * (e.g. the policy's redaction profile). Without it the `objects` array itself is the key.
   */
  readonly releaseKey?: string | undefined;
  /** Reuse across calls: one cache per fan-out (see MailRenderCache). */
  readonly cache?: MailRenderCache | undefined;
  /**
   * Above this many bytes of attachments (the bundle and the CSV together, before encoding), both
   * go as ONE ZIP archive holding the two files, and the body says so; default never.
   */
  readonly zipAboveBytes?: number | undefined;
}

/** One value of a mail's objects reported before (ADR 0044): counts the recipient may see, never who. */
export interface MailCorrelation {
  readonly kind: string;
  readonly value: string;
  readonly reports: number;
  readonly sectors: number;
  readonly firstSeen: string;
  readonly lastSeen: string;
  /** An update's value: the sightings on its earlier reports the recipient may count (ADR 0046). */
  readonly sightings?:
    | {
        readonly organisations: number;
        readonly sightings: number;
        readonly sectors: number;
        readonly falsePositives: number;
      }
    | undefined;
}

/** How many reported values a mail lists; the rest are counted. */
const CORRELATION_LINES = 20;

export interface SubmissionMailInput extends CommonMailInput {
  /**
   * Correlation (ADR 0044): the values reported before, and whether every object is a value the
   * recipient already had within the update window (an update: a short mail, not a new alert).
   */
  readonly correlation?:
    { readonly values: readonly MailCorrelation[]; readonly update: boolean } | undefined;
  readonly submission: {
    readonly id: string;
    /** When the hub accepted it (ISO 8601). */
    readonly acceptedAt: string;
    /** The submitter as this recipient may see it (omit for an anonymous submission). */
    readonly submitter?: string | undefined;
  };
}

/** A digest: every object one window of a digest subscription released, from all its submissions. */
export interface DigestMailInput extends CommonMailInput {
  readonly digest: {
    /** The window [start, end), ISO 8601. */
    readonly windowStart: string;
    readonly windowEnd: string;
    /** How many submissions (or windows of singles) the objects came from. */
    readonly submissions: number;
  };
  /** Its objects' values reported before (ADR 0044), counts the recipient may see. */
  readonly correlation?: { readonly values: readonly MailCorrelation[] } | undefined;
}

export interface RetractionMailInput extends CommonMailInput {
  /** The objects are the revoked versions; the reason is the retracting person's words. */
  readonly retraction: {
    readonly retractedAt: string;
    readonly reason?: string | undefined;
    /** The alert that first carried the objects to this recipient, when known. */
    readonly originalAlertId?: string | undefined;
  };
}

/** One message for one address: `raw` is the whole RFC 5322 message. */
export interface OutgoingMail {
  readonly to: string;
  readonly messageId: string;
  readonly raw: Buffer;
  /**
   * The message without its To and Message-ID lines, the same Buffer for every address of the mail:
   * what is stored once for all of them (`raw` is `addressed(shared, to, messageId)`).
   */
  readonly shared: Buffer;
}

/** Default number of objects written out in full in the body. */
export const DEFAULT_FULL_COUNT = 20;

const ZIP_MEDIA_TYPE = 'application/zip';

/** Namespace of mail Message-IDs and attachment bundle ids (uuid v5). */
const MAIL_NAMESPACE = 'a3f0c1d2-5e6f-5a7b-8c9d-0e1f2a3b4c5d';

// ---------------------------------------------------------------------------------------------
// Reuse: one fan-out renders the language-independent part (bundle, CSV, their MIME encoding)
// once per released set, and the text once per (released set, language, zone, wording inputs).

interface Release {
  readonly objects: readonly Json[];
  readonly observables: readonly (readonly Observable[])[];
  readonly attachments: RenderedMail['attachments'];
  /** The bundle's and the CSV's file names (inside the archive when `zip` is set). */
  readonly files: readonly [string, string];
  /** The archive's file name when both go as one ZIP archive. */
  readonly zip?: string | undefined;
  rawNodes?: Promise<Buffer[]>;
}

interface Body {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/**
 * Memo of rendered parts, for one fan-out: pass the same instance to every call for one
 * submission. Bounded: it holds at most `maxEntries` released sets (then starts over).
 */
export class MailRenderCache {
  private readonly byArray = new WeakMap<readonly Json[], Map<string, unknown>>();
  private readonly byKey = new Map<string, Map<string, unknown>>();
  constructor(private readonly maxEntries = 64) {}

  /** @internal */
  slot(objects: readonly Json[], releaseKey: string | undefined): Map<string, unknown> {
    if (releaseKey === undefined) {
      let m = this.byArray.get(objects);
      if (!m) this.byArray.set(objects, (m = new Map<string, unknown>()));
      return m;
    }
    let m = this.byKey.get(releaseKey);
    if (!m) {
      if (this.byKey.size >= this.maxEntries) this.byKey.clear();
      this.byKey.set(releaseKey, (m = new Map<string, unknown>()));
    }
    return m;
  }
}

function memo<T>(slot: Map<string, unknown> | undefined, key: string, make: () => T): T {
  if (!slot) return make();
  if (slot.has(key)) return slot.get(key) as T;
  const v = make();
  slot.set(key, v);
  return v;
}

// ---------------------------------------------------------------------------------------------
// Input checks: every bad field named; nothing is rendered from a bad input.

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

function check(i: CommonMailInput): ErrorDetail[] {
  const bad: ErrorDetail[] = [];
  const s = i.subscription;
  if (s.lang !== 'ja' && s.lang !== 'en')
    bad.push({ path: '/subscription/lang', message: "must be 'ja' or 'en'" });
  if (s.to.length === 0) bad.push({ path: '/subscription/to', message: 'no address' });
  s.to.forEach((a, n) => {
    if (CONTROL.test(a) || /\s/.test(a) || !isEmailAddress(a))
      bad.push({ path: `/subscription/to/${n}`, message: 'must be one bare email address' });
  });
  try {
    checkTimeZone(s.timeZone ?? DEFAULT_MAIL_TIME_ZONE, 'subscription/timeZone');
  } catch (err) {
    if (err instanceof ValidationError) bad.push(...err.details);
    else throw err;
  }
  let url: URL | undefined;
  try {
    url = new URL(i.hub.publicUrl);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.search || url.hash)
    bad.push({ path: '/hub/publicUrl', message: 'must be an http(s) URL without query or fragment' });
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(i.hub.taxii.apiRoot))
    bad.push({ path: '/hub/taxii/apiRoot', message: 'must be an API root name' });
  if (!/^[A-Za-z0-9._~-]+$/.test(i.hub.taxii.collectionId))
    bad.push({ path: '/hub/taxii/collectionId', message: 'must be a collection id' });
  if (CONTROL.test(i.hub.from)) bad.push({ path: '/hub/from', message: 'control characters' });
  if (i.objects.length === 0) bad.push({ path: '/objects', message: 'nothing to mail' });
  i.objects.forEach((o, n) => {
    if (typeof o['id'] !== 'string' || typeof o['type'] !== 'string')
      bad.push({ path: `/objects/${n}`, message: 'not a STIX object (id and type)' });
  });
  const full = i.fullCount ?? DEFAULT_FULL_COUNT;
  if (!Number.isInteger(full) || full < 0)
    bad.push({ path: '/fullCount', message: 'must be an integer >= 0' });
  if (Number.isNaN(i.date.getTime())) bad.push({ path: '/date', message: 'invalid date' });
  if (!/^[A-Za-z0-9-]+$/.test(i.alertId)) bad.push({ path: '/alertId', message: 'must be an id' });
  return bad;
}

function refuse(bad: readonly ErrorDetail[]): never {
  throw new ValidationError(
    `cannot render mail: ${bad.map((b) => `${b.path} ${b.message}`).join('; ')}`,
    bad,
  );
}

// ---------------------------------------------------------------------------------------------
// Content.

type MailKind = 'submission' | 'update' | 'retraction' | 'digest';

const str = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;

/**
 * A ZIP archive of these files, each deflated by Node's zlib (fflate lays out the archive): a
 * 5,000-object release is ~2 MB of JSON and CSV, which fflate's own deflate took ~4 times as long
 * to compress, on the thread that renders and sends the mail. The same files and time give the
 * same bytes.
 */
function zipOf(files: readonly { readonly name: string; readonly data: Buffer }[], mtime: Date): Buffer {
  const chunks: Uint8Array[] = [];
  let failed: Error | undefined;
  const zip = new Zip((err, chunk) => {
    if (err) failed = err;
    else chunks.push(chunk);
  });
  for (const f of files) {
    const entry: ZipInputFile = {
      filename: f.name,
      size: f.data.length,
      crc: crc32(f.data),
      compression: 8,
      mtime,
    };
    zip.add(entry);
    entry.ondata!(null, deflateRawSync(f.data, { level: 6 }), true);
  }
  zip.end();
  if (failed) throw failed;
  return Buffer.concat(chunks);
}

function release(i: CommonMailInput, kind: MailKind, fileStem: string): Release {
  const slot = i.cache?.slot(i.objects, i.releaseKey);
  return memo(slot, `release|${kind}|${i.tlp}|${i.exercise}|${fileStem}|${i.zipAboveBytes}`, () => {
    const observables = i.objects.map((o) => observablesOf(o));
    const markings = new Map<string, Json>();
    for (const o of i.objects) {
      const refs = Array.isArray(o['object_marking_refs']) ? (o['object_marking_refs'] as unknown[]) : [];
      for (const r of refs) {
        const m = typeof r === 'string' ? markingDefinitionById(r) : undefined;
        if (m) markings.set(m['id'] as string, m);
      }
    }
    if (![...markings.keys()].some((id) => tlpMarkingById(id)))
      markings.set(tlp2Marking(i.tlp).id, tlp2Marking(i.tlp).object);
    const present = new Set(i.objects.map((o) => o['id']));
    const body = [...i.objects, ...[...markings.values()].filter((m) => !present.has(m['id']))]
      .map((o) => JSON.stringify(o))
      .join(',\n');
    // The bundle id names the content (a bundle id is transient in STIX): equal releases, equal bytes.
    const bundleId = `bundle--${uuidV5(MAIL_NAMESPACE, hash('sha256', body, 'hex'))}`;
    const bundle = `{"type":"bundle","id":"${bundleId}","objects":[\n${body}\n]}\n`;
    const byObject = new Map(i.objects.map((o, n) => [o, observables[n]!]));
    const csv = renderMailCsv(i.objects, {
      tlp: i.tlp,
      exercise: i.exercise,
      observables: (o) => byObject.get(o) ?? observablesOf(o),
    });
    const files = [`${fileStem}.stix.json`, `${fileStem}.csv`] as const;
    // encoded once: the size decides, and the archive takes these bytes
    const data = [Buffer.from(bundle), Buffer.from(csv)] as const;
    if (i.zipAboveBytes !== undefined && data[0].length + data[1].length > i.zipAboveBytes) {
      // the date of the mail as the entries' time: a re-render of the same mail has the same bytes
      const zip = zipOf(
        files.map((name, k) => ({ name, data: data[k]! })),
        i.date,
      );
      const name = `${fileStem}.zip`;
      return {
        objects: i.objects,
        observables,
        files,
        zip: name,
        attachments: [
          {
            filename: name,
            contentType: ZIP_MEDIA_TYPE,
            content: zip,
          },
        ],
      };
    }
    return {
      objects: i.objects,
      observables,
      files,
      attachments: [
        { filename: files[0], contentType: STIX_MEDIA_TYPE, content: bundle },
        { filename: files[1], contentType: CSV_MEDIA_TYPE, content: csv },
      ],
    };
  });
}

/** A STIX pattern with each string literal defanged as the value it names. */
function defangPattern(pattern: string, obs: readonly Observable[]): string {
  return pattern.replace(/'((?:[^'\\]|\\.)*)'/g, (_m, lit: string) => {
    const value = lit.replace(/\\(.)/g, '$1');
    const o = obs.find((x) => x.value === value);
    return `'${defang(value, o ? o.kind : 'text').replace(/[\\']/g, '\\$&')}'`;
  });
}

interface Row {
  readonly label: string;
  readonly value: string;
  readonly href?: string | undefined;
}

function objectRows(
  o: Json,
  obs: readonly Observable[],
  i: CommonMailInput,
  l: MailLang,
  tz: string,
  base: string,
): Row[] {
  const F = M.fields;
  const id = String(o['id']);
  const rows: Row[] = [
    { label: F.type[l], value: typeLabel(String(o['type']), l) },
    { label: F.id[l], value: id },
  ];
  for (const [n, v] of obs.entries())
    rows.push({
      label: n === 0 ? F.values[l] : '',
      value: `${(KIND_NAMES[v.kind]?.[l] ?? v.kind) + (v.algorithm ? ` (${v.algorithm})` : '')}  ${defang(v.value, v.kind)}`,
    });
  const pattern = str(o['pattern']);
  if (pattern) rows.push({ label: F.pattern[l], value: defangPattern(pattern, obs) });
  rows.push({ label: F.tlp[l], value: `TLP:${i.tlp.toUpperCase()}` });
  for (const [f, label] of [
    ['valid_from', F.validFrom[l]],
    ['valid_until', F.validUntil[l]],
  ] as const) {
    const t = str(o[f]);
    if (t) {
      let shown: string;
      try {
        shown = formatMailTime(t, tz);
      } catch {
        shown = defang(t, 'text');
      }
      rows.push({ label, value: shown });
    }
  }
  const conf = str(o['confidence']);
  if (conf) rows.push({ label: F.confidence[l], value: conf });
  if (Array.isArray(o['labels']))
    rows.push({
      label: F.labels[l],
      value: defang(o['labels'].filter((x) => typeof x === 'string').join(', '), 'text'),
    });
  const enc = encodeURIComponent(id);
  const consoleUrl = `${base}/objects/${enc}`;
  const taxiiUrl = `${base}/taxii2/${i.hub.taxii.apiRoot}/collections/${encodeURIComponent(i.hub.taxii.collectionId)}/objects/${enc}/`;
  rows.push({ label: F.console[l], value: consoleUrl, href: consoleUrl });
  rows.push({ label: F.taxii[l], value: taxiiUrl, href: taxiiUrl });
  return rows;
}

/** A display name for an object, defanged: its name, an SCO's value, else its id. */
function nameOf(o: Json, obs: readonly Observable[]): string {
  const name = str(o['name']);
  if (name) return defang(name, 'text');
  const value = str(o['value']);
  if (value) return obs[0] ? defang(value, obs[0].kind) : defang(value, 'text');
  return String(o['id']);
}

function countByType(objects: readonly Json[]): [string, number][] {
  const m = new Map<string, number>();
  for (const o of objects) m.set(String(o['type']), (m.get(String(o['type'])) ?? 0) + 1);
  return [...m.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/**
 * The events among the mail's objects (ADR 0045), one line each: "1 report 'X' (campaign): 40
 * indicators". Members are counted by the type their ids name, from the released copy's
 * `object_refs` (already cut to what this recipient may see).
 */
export function eventLines(objects: readonly Json[], l: MailLang): string[] {
  const out: string[] = [];
  for (const o of objects) {
    if (!isEvent(o)) continue;
    const m = new Map<string, number>();
    for (const id of eventMemberIds(o)) {
      const t = id.slice(0, id.indexOf('--'));
      m.set(t, (m.get(t) ?? 0) + 1);
    }
    const counts = [...m.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    const name = defang(typeof o['name'] === 'string' ? o['name'] : String(o['id']), 'text');
    const kind = eventKind(o);
    out.push(M.event[l](String(o['type']), name, kind && defang(kind, 'text'), countsText(counts, l, 5)));
  }
  return out;
}

function countsText(counts: readonly [string, number][], l: MailLang, max = 3): string {
  const parts = counts
    .slice(0, max)
    .map(([t, n]) => (l === 'ja' ? `${typeLabel(t, l)} ${M.count.ja(n)}` : M.count.en(n, typeLabel(t, l))));
  if (counts.length > max) parts.push('…');
  return parts.join(l === 'ja' ? '、' : ', ');
}

function subjectOf(i: CommonMailInput, kind: MailKind, r: Release, l: MailLang): string {
  const tag = `[ISAC]${i.exercise ? `[${M.exerciseTag[l]}]` : ''}[TLP:${i.tlp.toUpperCase()}]`;
  const counts = countByType(r.objects);
  const single = r.objects.length === 1 ? r.objects[0]! : undefined;
  const what = single
    ? `${typeLabel(String(single['type']), l)}: ${nameOf(single, r.observables[0] ?? [])}`
    : l === 'ja'
      ? `${M.count.ja(r.objects.length)} (${countsText(counts, l)})`
      : `${r.objects.length} objects (${countsText(counts, l)})`;
  const line =
    kind === 'update'
      ? M.subjectUpdate[l](what)
      : kind === 'retraction'
        ? M.subjectRetracted[l](what)
        : kind === 'digest'
          ? M.subjectDigest[l](what)
          : single
            ? l === 'ja'
              ? `新しい${what}`
              : `New ${what}`
            : M.subjectNew[l](what);
  return headerSafe(`${tag} ${line}`, 240);
}

function body(i: CommonMailInput, kind: MailKind, r: Release, intro: readonly string[]): Body {
  const l = i.subscription.lang;
  const tz = i.subscription.timeZone ?? DEFAULT_MAIL_TIME_ZONE;
  const base = i.hub.publicUrl.replace(/\/+$/, '');
  const full = Math.min(i.fullCount ?? DEFAULT_FULL_COUNT, r.objects.length);
  const counts = countByType(r.objects);
  const subject = subjectOf(i, kind, r, l);
  const exercise = i.exercise
    ? M.exerciseBanner[l](i.exerciseName && defang(i.exerciseName, 'text'))
    : undefined;
  const handling = `${TLP_HANDLING[i.tlp][l]} ${TLP_ASK_SOURCE[l]}`;
  const width = Math.max(...counts.map(([t]) => typeLabel(t, l).length));

  const t: string[] = [];
  const h: string[] = [];
  if (exercise) {
    t.push(exercise, '');
    h.push(`<p style="border:2px solid #b00;padding:8px;font-weight:bold">${escapeHtml(exercise)}</p>`);
  }
  t.push(handling, '', ...intro, '');
  h.push(
    `<p style="border:1px solid #888;padding:8px"><strong>${escapeHtml(handling)}</strong></p>`,
    ...intro.map((p) => `<p>${escapeHtml(p)}</p>`),
  );
  const events = eventLines(r.objects, l);
  if (events.length > 0) {
    t.push(`${M.eventsHeading[l]}:`, ...events.map((e) => `  ${e}`), '');
    h.push(
      `<h3>${escapeHtml(M.eventsHeading[l])}</h3><ul>${events.map((e) => `<li>${escapeHtml(e)}</li>`).join('')}</ul>`,
    );
  }
  t.push(`${M.byType[l]}:`, ...counts.map(([ty, n]) => `  ${typeLabel(ty, l).padEnd(width)}  ${n}`), '');
  h.push(
    `<h3>${escapeHtml(M.byType[l])}</h3><table border="1" cellpadding="4" cellspacing="0">${counts
      .map(([ty, n]) => `<tr><td>${escapeHtml(typeLabel(ty, l))}</td><td align="right">${n}</td></tr>`)
      .join('')}</table>`,
  );
  if (full > 0) {
    t.push(M.firstN[l](full, r.objects.length), M.defangNote[l], '');
    h.push(
      `<h3>${escapeHtml(M.firstN[l](full, r.objects.length))}</h3><p>${escapeHtml(M.defangNote[l])}</p>`,
    );
    for (let n = 0; n < full; n++) {
      const o = r.objects[n]!;
      const obs = r.observables[n] ?? [];
      const rows = objectRows(o, obs, i, l, tz, base);
      const head = `${n + 1}. ${nameOf(o, obs)}`;
      const w = Math.max(...rows.map((x) => x.label.length));
      t.push(head, ...rows.map((x) => `   ${x.label.padEnd(w)}  ${x.value}`), '');
      h.push(
        `<h4>${escapeHtml(head)}</h4><table border="1" cellpadding="4" cellspacing="0">${rows
          .map(
            (x) =>
              `<tr><th align="left">${escapeHtml(x.label)}</th><td>${
                x.href
                  ? `<a href="${escapeHtml(x.href)}">${escapeHtml(x.value)}</a>`
                  : `<code>${escapeHtml(x.value)}</code>`
              }</td></tr>`,
          )
          .join('')}</table>`,
      );
    }
  }
  const rest = r.objects.length - full;
  if (rest > 0) {
    t.push(M.more[l](rest));
    h.push(`<p>${escapeHtml(M.more[l](rest))}</p>`);
  }
  const att = r.zip ? M.zipped[l](r.zip, ...r.files) : M.attachments[l](...r.files);
  t.push(att);
  h.push(`<p>${escapeHtml(att)}</p>`);
  return { subject, text: t.join('\n'), html: h.join('') };
}

/** The per-recipient tail: acknowledgement and why this mail came. */
function tail(i: CommonMailInput): { text: string; html: string } {
  const l = i.subscription.lang;
  const base = i.hub.publicUrl.replace(/\/+$/, '');
  const ack = M.ack[l](i.alertId, `${base}/api/v1/alerts/${i.alertId}/ack`);
  const why = M.why[l](defang(i.subscription.id, 'text'));
  return {
    text: `\n\n${ack}\n\n-- \n${why}\n`,
    html: `<hr><p>${escapeHtml(ack)}</p><p><small>${escapeHtml(why)}</small></p>`,
  };
}

const htmlDoc = (lang: MailLang, title: string, b: string): string =>
  `<!DOCTYPE html><html lang="${lang}"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body>${b}</body></html>`;

function wordingKey(i: CommonMailInput, extra: unknown): string {
  return JSON.stringify([
    i.subscription.lang,
    i.subscription.timeZone ?? DEFAULT_MAIL_TIME_ZONE,
    i.tlp,
    i.exercise,
    i.exerciseName,
    i.fullCount ?? DEFAULT_FULL_COUNT,
    i.hub.publicUrl,
    i.hub.taxii,
    extra,
  ]);
}

/** The content of a submission mail for one subscription (what PGP/MIME encrypts as a whole). */
export function composeSubmissionMail(i: SubmissionMailInput): RenderedMail {
  return submission(i).mail;
}

function submission(i: SubmissionMailInput): { mail: RenderedMail; r: Release } {
  const bad = check(i);
  if (!/^[A-Za-z0-9-]+$/.test(i.submission.id))
    bad.push({ path: '/submission/id', message: 'must be an id' });
  if (Number.isNaN(Date.parse(i.submission.acceptedAt)))
    bad.push({ path: '/submission/acceptedAt', message: 'must be a timestamp' });
  if (bad.length > 0) refuse(bad);
  const stem = `submission-${i.submission.id}`;
  const r = release(i, 'submission', stem);
  const slot = i.cache?.slot(i.objects, i.releaseKey);
  const l = i.subscription.lang;
  const c = i.correlation;
  const update = c?.update === true;
  const b = memo(slot, `body|submission|${wordingKey(i, [i.submission, c])}`, () => {
    const tz = i.subscription.timeZone ?? DEFAULT_MAIL_TIME_ZONE;
    const at = formatMailTime(i.submission.acceptedAt, tz);
    const intro = [(update ? M.updateIntro : M.intro)[l](r.objects.length, i.submission.id, at)];
    if (i.submission.submitter) intro.push(`${M.submitter[l]}: ${defang(i.submission.submitter, 'text')}`);
    if (c) intro.push(...reportedLines(c.values, l, tz));
    // an update is short: the counts, no object written out (they are attached)
    return update ? body({ ...i, fullCount: 0 }, 'update', r, intro) : body(i, 'submission', r, intro);
  });
  return { mail: assemble(i, b, r), r };
}

function assemble(i: CommonMailInput, b: Body, r: Release): RenderedMail {
  const tl = tail(i);
  return {
    subject: b.subject,
    text: b.text + tl.text,
    html: htmlDoc(i.subscription.lang, b.subject, b.html + tl.html),
    attachments: r.attachments,
  };
}

/**
 * "Reported before" (ADR 0044): up to CORRELATION_LINES values, defanged, with their counts and
 * times in the subscription's zone; the rest counted. Nothing when no value was reported.
 */
function reportedLines(values: readonly MailCorrelation[], l: MailLang, tz: string): string[] {
  if (values.length === 0) return [];
  const out = [`${M.reportedBefore[l]}:`];
  for (const v of values.slice(0, CORRELATION_LINES))
    out.push(
      `  ${M.reportedLine[l](
        defang(v.value, v.kind as DefangKind),
        v.reports,
        v.sectors,
        formatMailTime(v.firstSeen, tz),
        formatMailTime(v.lastSeen, tz),
      )}${
        v.sightings
          ? M.reportedSightings[l](
              v.sightings.organisations,
              v.sightings.sightings,
              v.sightings.sectors,
              v.sightings.falsePositives,
            )
          : ''
      }`,
    );
  if (values.length > CORRELATION_LINES)
    out.push(`  ${M.reportedMore[l](values.length - CORRELATION_LINES)}`);
  return out;
}

/** The content of a digest for one subscription (what PGP/MIME encrypts as a whole). */
export function composeDigestMail(i: DigestMailInput): RenderedMail {
  return digest(i).mail;
}

function digest(i: DigestMailInput): { mail: RenderedMail; r: Release } {
  const bad = check(i);
  for (const f of ['windowStart', 'windowEnd'] as const)
    if (Number.isNaN(Date.parse(i.digest[f])))
      bad.push({ path: `/digest/${f}`, message: 'must be a timestamp' });
  if (bad.length > 0) refuse(bad);
  const r = release(i, 'digest', `digest-${i.digest.windowStart.replace(/[^0-9T]/g, '').slice(0, 13)}`);
  const slot = i.cache?.slot(i.objects, i.releaseKey);
  const l = i.subscription.lang;
  const c = i.correlation?.values ?? [];
  const b = memo(slot, `body|digest|${wordingKey(i, [i.digest, c])}`, () => {
    const tz = i.subscription.timeZone ?? DEFAULT_MAIL_TIME_ZONE;
    const from = formatMailTime(i.digest.windowStart, tz);
    const to = formatMailTime(i.digest.windowEnd, tz);
    return body(i, 'digest', r, [
      M.digestIntro[l](r.objects.length, i.digest.submissions, from, to),
      ...reportedLines(c, l, tz),
    ]);
  });
  return { mail: assemble(i, b, r), r };
}

/** The content of a retraction notice for one subscription. */
export function composeRetractionMail(i: RetractionMailInput): RenderedMail {
  return retraction(i).mail;
}

const retractionStem = (i: RetractionMailInput): string =>
  `retraction-${i.retraction.retractedAt.replace(/[^0-9T]/g, '').slice(0, 13)}`;

function retraction(i: RetractionMailInput): { mail: RenderedMail; r: Release } {
  const bad = check(i);
  if (Number.isNaN(Date.parse(i.retraction.retractedAt)))
    bad.push({ path: '/retraction/retractedAt', message: 'must be a timestamp' });
  if (bad.length > 0) refuse(bad);
  const r = release(i, 'retraction', retractionStem(i));
  const slot = i.cache?.slot(i.objects, i.releaseKey);
  const l = i.subscription.lang;
  const b = memo(slot, `body|retraction|${wordingKey(i, i.retraction)}`, () => {
    const at = formatMailTime(i.retraction.retractedAt, i.subscription.timeZone ?? DEFAULT_MAIL_TIME_ZONE);
    const intro = [
      M.retractIntro[l](r.objects.length, at),
      `${M.reason[l]}: ${i.retraction.reason ? defang(i.retraction.reason, 'text') : M.noReason[l]}`,
    ];
    return body(i, 'retraction', r, intro);
  });
  return { mail: assemble(i, b, r), r };
}

// ---------------------------------------------------------------------------------------------
// MIME: one message per address, To holding that address alone; attachments encoded once.

async function rawNodes(r: Release): Promise<Buffer[]> {
  r.rawNodes ??= Promise.all(
    r.attachments.map((a) => {
      const node = new MimeNode('multipart/mixed').createChild(a.contentType, { filename: a.filename });
      node.setHeader('Content-Disposition', 'attachment');
      node.setContent(a.content);
      return node.build();
    }),
  );
  return r.rawNodes;
}

/** `raw` with each mark (searched from the end, in order) replaced by its node. */
function splice(raw: Buffer, marks: readonly string[], nodes: readonly Buffer[]): Buffer {
  const parts: Buffer[] = [];
  let end = raw.length;
  const found: [number, number][] = [];
  for (let k = marks.length - 1; k >= 0; k--) {
    const at = raw.lastIndexOf(marks[k]!, end - 1, 'latin1');
    if (at < 0) throw new Error('attachment placeholder missing from the composed message');
    found.unshift([at, k]);
    end = at;
  }
  let from = 0;
  for (const [at, k] of found) {
    parts.push(raw.subarray(from, at), nodes[k]!);
    from = at + Buffer.byteLength(marks[k]!);
  }
  parts.push(raw.subarray(from));
  return Buffer.concat(parts);
}

async function messages(
  i: CommonMailInput,
  mail: RenderedMail,
  r: Release,
  kind: MailKind,
  extra: Record<string, string>,
): Promise<OutgoingMail[]> {
  const nodes = await rawNodes(r);
  // The composer gets a short unguessable stand-in per attachment, replaced by the encoded node
  // afterwards: piping megabytes of raw node through the composer's streams per message costs
  // more than everything else together.
  const nonce = randomUUID();
  const marks = nodes.map((_, k) => `X-ISAC-Attachment-${nonce}-${k}\r\n`);
  const attachments = marks.map((raw) => ({ raw }));
  const domain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(i.hub.from)?.[1] ?? 'isac.invalid';
  const idOf = (to: string): string =>
    `<${uuidV5(MAIL_NAMESPACE, `${kind}|${i.alertId}|${i.subscription.id}|${to}`)}@${domain}>`;
  // Composed once: the addresses' messages differ only in their To and Message-ID lines.
  const first = i.subscription.to[0]!;
  // To and Message-ID dropped from the composed message while it is small (stand-ins for the
  // attachments), then the nodes spliced in: one copy of the whole message, not two.
  const shared = splice(
    withoutAddress(
      await new MailComposer({
        from: headerSafe(i.hub.from, 320),
        to: first,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        messageId: idOf(first),
        date: i.date,
        headers: {
          'Content-Language': i.subscription.lang,
          'Auto-Submitted': 'auto-generated',
          'X-ISAC-Alert-Id': i.alertId,
          'X-ISAC-TLP': i.tlp.toUpperCase(),
          ...(i.exercise ? { 'X-ISAC-Exercise': 'true' } : {}),
          ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, headerSafe(v, 200)])),
        },
        attachments,
      })
        .compile()
        .build(),
    ),
    marks,
    nodes,
  );
  return i.subscription.to.map((to) => addressedMail(shared, to, idOf(to)));
}

/** One address's message over the shared part; `raw` is built when read (tests, `.eml` files). */
export function addressedMail(shared: Buffer, to: string, messageId: string): OutgoingMail {
  let raw: Buffer | undefined;
  return {
    to,
    messageId,
    shared,
    get raw(): Buffer {
      return (raw ??= addressed(shared, [to], messageId));
    },
  };
}

/**
 * ONE mail for one submission (or one window of singles) to ONE subscription, in its language and
 * time zone: one message per address of the subscription, each with only that address in To (no
 * Cc, no Bcc). Subject: exercise tag, TLP, count and what; text and HTML bodies list the counts by
 * type and the first `fullCount` objects in full with defanged values; every object is attached
 * with exact values as a STIX 2.1 bundle and as CSV. Throws ValidationError naming each bad field.
 */
export async function renderSubmissionMail(i: SubmissionMailInput): Promise<OutgoingMail[]> {
  const { mail, r } = submission(i);
  return messages(i, mail, r, 'submission', { 'X-ISAC-Submission': i.submission.id });
}

/**
 * ONE digest for one window of one digest subscription: the same layout as a submission mail
 * (counts by type, the first `fullCount` in full, defanged, every object attached exactly), its
 * intro naming the window in the subscription's zone beside UTC; one message per address.
 */
export async function renderDigestMail(
  i: DigestMailInput & { readonly digestKey: string },
): Promise<OutgoingMail[]> {
  const { mail, r } = digest(i);
  return messages(i, mail, r, 'digest', { 'X-ISAC-Digest': i.digestKey });
}

/** A retraction notice: the objects (revoked versions) were taken back; remove them. */
export async function renderRetractionMail(i: RetractionMailInput): Promise<OutgoingMail[]> {
  const { mail, r } = retraction(i);
  return messages(i, mail, r, 'retraction', {
    'X-ISAC-Retraction': 'true',
    ...(i.retraction.originalAlertId ? { 'X-ISAC-Retracts-Alert-Id': i.retraction.originalAlertId } : {}),
  });
}
