import type { OrgId, TlpLevel } from '@isac/kernel';
import { markingDefinitionById, tlp2Marking, tlpMarkingById, uuidV5 } from '@isac/stix';
import { STIX_MEDIA_TYPE } from '../email/render.js';
import type { OutgoingMessage } from '../mqtt/mqtt-alert-publisher.js';
import { alertTopic, alertTypeSegment } from '../mqtt/topics.js';

type Json = Readonly<Record<string, unknown>>;

/** How big one part of an alert or block-list message may be (`dispatcher.grouping`). */
export interface PartLimits {
  /** Objects (entries) in one part, not counting the TLP marking definitions a bundle carries. */
  readonly maxObjects: number;
  /** Bytes of UTF-8 JSON in one part. */
  readonly maxBytes: number;
}

/** Namespace of alert part bundle ids: uuid v5 of `{alertId}:{part}`. */
export const ALERT_PART_NAMESPACE = 'b0d7a54e-8c1f-5e6a-9f3b-7d2e4c6a8b10';

/** The bundle id of part `part` (1-based) of alert `alertId`: the same on every retry. */
export function alertPartBundleId(alertId: string, part: number): string {
  return `bundle--${uuidV5(ALERT_PART_NAMESPACE, `${alertId}:${part}`)}`;
}

/** An object's JSON and its UTF-8 length, made once per (read-only) object. */
export interface SerialisedObject {
  readonly json: string;
  readonly bytes: number;
  /** Ids of the marking definitions it references that the hub defines (TLP, EXERCISE). */
  readonly markingRefs: readonly string[];
}

/** An object and its cached JSON. */
export interface Serialisable {
  readonly released: Json;
  readonly serialised: SerialisedObject;
}

/** A lone object as `Serialisable` (its JSON made now). */
export function serialisable(object: Json): Serialisable {
  return { released: object, serialised: serialise(object) };
}

const serialised = new WeakMap<Json, SerialisedObject>();

/**
 * The JSON of a released copy, serialised once: the policy hands alike recipients the same copy,
 * so 200 recipients of one object share one string. Objects must not be mutated afterwards.
 */
export function serialise(object: Json): SerialisedObject {
  let s = serialised.get(object);
  if (s === undefined) {
    const json = JSON.stringify(object);
    const refs = object['object_marking_refs'];
    const markingRefs = Array.isArray(refs)
      ? refs.filter((r): r is string => typeof r === 'string' && markingDefinitionById(r) !== undefined)
      : [];
    s = { json, bytes: Buffer.byteLength(json), markingRefs };
    serialised.set(object, s);
  }
  return s;
}

const encoded = new WeakMap<SerialisedObject, Buffer>();

/** The UTF-8 bytes of an object's JSON, encoded once (alike recipients share the object and so these). */
function utf8(o: SerialisedObject): Buffer {
  let b = encoded.get(o);
  if (b === undefined) encoded.set(o, (b = Buffer.from(o.json)));
  return b;
}

const COMMA = Buffer.from(',');

/**
 * Splits items of the given JSON sizes into parts: greedy, in order, never splitting an item. A
 * part closes before an item that would take it past `maxObjects` items or `maxBytes` bytes
 * (`envelope` bytes of the part's own wrapping included, plus one comma between items). An item
 * that alone is larger than the limit goes alone in its own part: it is sent whole (the broker's
 * and subscribers' packet limits must allow it) rather than dropped or cut.
 *
 * @returns the index of the first item of each part (empty for no items).
 */
export function partStarts(sizes: readonly number[], limits: PartLimits, envelope: number): number[] {
  const starts: number[] = [];
  let count = 0;
  let bytes = 0;
  for (let i = 0; i < sizes.length; i++) {
    const s = sizes[i]!;
    if (count > 0 && (count + 1 > limits.maxObjects || bytes + 1 + s > limits.maxBytes)) count = 0;
    if (count === 0) {
      starts.push(i);
      bytes = envelope + s;
    } else bytes += 1 + s;
    count++;
  }
  return starts;
}

/** Entries per object (by index in the alert's objects): a Map, or any lookup with these two members. */
export interface EntryLists {
  get(k: number): readonly string[] | undefined;
  /** How many objects have entries. */
  readonly size: number;
}

/** One alert: what a recipient gets at one TLP, exercise or live, on MQTT, from one batch. */
export interface AlertContent {
  /** From the fan-out record (ADR 0013): the same on every retry. */
  readonly alertId: string;
  readonly orgId: OrgId;
  readonly tlp: TlpLevel;
  readonly exercise: boolean;
  /** The submissions whose objects it carries. */
  readonly submissionIds: readonly string[];
  /** The released copies with their JSON, in batch position order (`ReleasedItem`s, or `serialisable(json)`). */
  readonly objects: readonly Serialisable[];
  /**
   * The block-list gate's refusals per object (by index in `objects`), each as JSON: a part lists
   * those of its own objects in `x_isac_alert.blocklist_refusals`, counted in its size.
   */
  readonly refusals?: EntryLists | undefined;
  /**
   * Correlation (ADR 0044) per object (by index in `objects`), each value as JSON: a part lists
   * those of its own objects in `x_isac_alert.correlation`, counted in its size.
   */
  readonly correlations?: EntryLists | undefined;
  /** Every object is a value the recipient already had within the update window: `x_isac_alert.kind` "update". */
  readonly update?: boolean | undefined;
  /**
   * Events (ADR 0045): the reports and groupings the batch released to the recipient (in this
   * alert or a sibling of another TLP), named in every part's `x_isac_alert.events` as
   * `{ id, type, name?, kind?, members }`, `members` the refs it may see.
   */
  readonly events?: readonly AlertEvent[] | undefined;
}

export interface AlertEvent {
  readonly id: string;
  readonly type: string;
  readonly name?: string | undefined;
  readonly kind?: string | undefined;
  readonly members: number;
}

/** One part of an alert: a complete STIX 2.1 bundle, one MQTT message. */
export interface AlertPart {
  /** 1-based. */
  readonly part: number;
  readonly parts: number;
  readonly bundleId: string;
  /** The part holds `objects[from, to)` of the alert. */
  readonly from: number;
  readonly to: number;
  /** UTF-8 length of the payload. */
  readonly bytes: number;
  readonly message: OutgoingMessage;
}

/**
 * The parts of an alert (issue 15.1): each a STIX bundle `{type, id, objects, x_isac_alert}` whose
 * objects are a slice of the alert's objects followed by the TLP marking definitions any object
 * of the alert references (the alert TLP's when none does), so each part reads alone. The
 * bundle's custom property `x_isac_alert: { alert_id, part, parts, submission_ids, exercise }` and,
 * for MQTT 5, the user properties `alertId`, `part`, `parts`, `tlp`, `exercise` let a consumer
 * dedupe and reassemble. Payloads are built by copying each object's cached UTF-8 JSON into one
 * buffer: nothing is stringified or encoded again per recipient.
 */
export function alertParts(alert: AlertContent, limits: PartLimits): AlertPart[] {
  const l = layout(alert, limits);
  const parts = l.starts.map((_, i) => l.part(i));
  // the list's last counted alert built: its joined runs are not needed again
  const list = lists.get(alert.objects);
  if (list && list.counted > 0 && --list.counted === 0) list.runs.clear();
  return parts;
}

/** How many parts `alertParts` makes of this alert, without building them (the fan-out records it first). */
export function alertPartCount(alert: Omit<AlertContent, 'alertId'>, limits: PartLimits): number {
  listOf(alert.objects).counted += 1;
  return layout({ ...alert, alertId: ZERO_UUID }, limits).starts.length;
}

/**
 * What an alert's objects list gives, kept per list: alike recipients share one list (the plan's
 * `SharedLists`), so a 5,000-object bundle to 200 organisations lays its parts out, and copies
 * its objects' bytes into parts, once rather than 200 times.
 */
interface ListFacts {
  readonly objs: readonly SerialisedObject[];
  /** Alerts counted over it (`alertPartCount`, once per recipient when the fan-out is recorded). */
  counted: number;
  /** Per entry lists: the bytes each object adds to a part, and the part starts per limits and envelope. */
  readonly sized: {
    readonly refusals: EntryLists | undefined;
    readonly correlations: EntryLists | undefined;
    readonly sizes: readonly number[];
    readonly starts: Map<string, readonly number[]>;
  }[];
  /** `from:to`: the objects' UTF-8 JSON joined by commas, kept once the list serves more than one alert. */
  readonly runs: Map<string, Buffer>;
  /** Per alert TLP: the JSON of the marking definitions its parts carry (`markingJsonOf`). */
  markingJson?: Map<TlpLevel, string>;
  /** The topic's type segment (`alertTypeSegment`). */
  typeSegment?: string;
}

function markingIdsOf(objs: readonly SerialisedObject[]): ReadonlySet<string> {
  const ids = new Set<string>();
  for (const o of objs) for (const m of o.markingRefs) ids.add(m);
  return ids;
}

const lists = new WeakMap<readonly Serialisable[], ListFacts>();

function listOf(objects: readonly Serialisable[]): ListFacts {
  let f = lists.get(objects);
  if (f === undefined)
    lists.set(
      objects,
      (f = { objs: objects.map((o) => o.serialised), counted: 0, sized: [], runs: new Map() }),
    );
  return f;
}

/** Entry lists kept per objects list at most: beyond, sizes are worked out per alert (correct, only not shared). */
const MAX_SIZED = 8;

function partStartsOf(
  f: ListFacts,
  refusals: EntryLists | undefined,
  correlations: EntryLists | undefined,
  limits: PartLimits,
  envelope: number,
): readonly number[] {
  let sized = f.sized.find((x) => x.refusals === refusals && x.correlations === correlations);
  if (sized === undefined) {
    const refused = entrySizes(refusals, f.objs.length);
    const correlated = entrySizes(correlations, f.objs.length);
    const sizes = f.objs.map((o, k) => o.bytes + (refused?.[k] ?? 0) + (correlated?.[k] ?? 0));
    sized = { refusals, correlations, sizes, starts: new Map() };
    if (f.sized.length < MAX_SIZED) f.sized.push(sized);
  }
  const key = `${limits.maxObjects}:${limits.maxBytes}:${envelope}`;
  let starts = sized.starts.get(key);
  if (starts === undefined) sized.starts.set(key, (starts = partStarts(sized.sizes, limits, envelope)));
  return starts;
}

/** Objects `[from, to)` of the list as a part carries them: their UTF-8 JSON joined by commas. */
function objectRun(f: ListFacts, from: number, to: number): Buffer[] {
  // one alert: copied straight into its payload; shared: joined once, then one copy per payload,
  // kept until the last alert counted over the list is built (alertParts)
  const key = `${from}:${to}`;
  const kept = f.runs.get(key);
  if (kept !== undefined) return [kept];
  const pieces: Buffer[] = [];
  for (let k = from; k < to; k++) {
    if (k > from) pieces.push(COMMA);
    pieces.push(utf8(f.objs[k]!));
  }
  if (f.counted < 2) return pieces;
  const run = Buffer.concat(pieces);
  f.runs.set(key, run);
  return [run];
}

/** Any alert id has this length (a UUID): part boundaries do not depend on which. */
const ZERO_UUID = '00000000-0000-4000-8000-000000000000';

/** UTF-8 bytes of an entry list's entries, each followed by a comma: lists are shared by alike recipients. */
const listSizes = new WeakMap<readonly string[], number>();

/** Per entry lists (shared by alike alerts): per object, the bytes its entries add to a part. */
const lookupSizes = new WeakMap<EntryLists, number[]>();

function entrySizes(lists: EntryLists | undefined, objects: number): readonly number[] | undefined {
  if (!lists || lists.size === 0) return undefined;
  let sizes = lookupSizes.get(lists);
  if (sizes === undefined || sizes.length < objects) {
    sizes = [];
    for (let k = 0; k < objects; k++) sizes.push(listBytes(lists.get(k)));
    lookupSizes.set(lists, sizes);
  }
  return sizes;
}

function listBytes(l: readonly string[] | undefined): number {
  if (!l) return 0;
  let n = listSizes.get(l);
  if (n === undefined) {
    n = 0;
    for (const j of l) n += Buffer.byteLength(j) + 1;
    listSizes.set(l, n);
  }
  return n;
}

/** Per entry lists (shared by the recipients of alike alerts), per `from:to`: what a part lists of them. */
const listed = new WeakMap<EntryLists, Map<string, Buffer>>();

const NOTHING = Buffer.alloc(0);

/**
 * `,"name":[…]`: the entries of objects `[from, to)` as a part lists them (empty when none), in
 * UTF-8, encoded once for every recipient that shares the lists (ADR 0044: a correlated 5,000
 * object alert lists ~500 KB of them, which 200 recipients each encoding again doubled the cost
 * of correlation on the whole path).
 */
function entryList(name: string, lists: EntryLists | undefined, from: number, to: number): Buffer {
  if (!lists || lists.size === 0) return NOTHING;
  let byRange = listed.get(lists);
  if (!byRange) listed.set(lists, (byRange = new Map<string, Buffer>()));
  const range = `${name}:${from}:${to}`;
  let out = byRange.get(range);
  if (out === undefined) byRange.set(range, (out = entriesOf(name, lists, from, to)));
  return out;
}

function entriesOf(name: string, lists: EntryLists, from: number, to: number): Buffer {
  let json = '';
  for (let k = from; k < to; k++) for (const j of lists.get(k) ?? []) json += json === '' ? j : `,${j}`;
  return json === '' ? NOTHING : Buffer.from(`,"${name}":[${json}]`);
}

const CLOSE = Buffer.from('}}');

/** Any part's bundle id has this length (`bundle--` and a UUID): the envelope's size without hashing one. */
const SOME_BUNDLE_ID = `bundle--${ZERO_UUID}`;

/** The JSON of the hub's marking definitions (TLP, EXERCISE) by id, made once: every part of every alert carries them. */
const markingJsons = new Map<string, string | undefined>();

function definitionJson(id: string): string | undefined {
  if (!markingJsons.has(id)) {
    const m = markingDefinitionById(id);
    markingJsons.set(id, m ? JSON.stringify(m) : undefined);
  }
  return markingJsons.get(id);
}

/**
 * An alert's parts: where each starts, and each part's bytes on demand. A class, not closures
 * made per call: under tsx every named closure is renamed per call (esbuild's keepNames), which
 * cost ~10 µs per alert, a fifth of a 1,000-organisation fan-out's own time.
 */
class Layout {
  readonly starts: readonly number[];
  private readonly markingJson: string;
  private readonly submissions: string;
  private readonly exercise: 'true' | 'false';
  private readonly kind: string;
  private readonly events: string;
  /** Made with the first part (alertPartCount only counts). */
  private topic: string | undefined;

  constructor(
    private readonly alert: AlertContent,
    private readonly list: ListFacts,
    limits: PartLimits,
  ) {
    const objs = list.objs;
    this.markingJson = markingJsonOf(list, alert.tlp);
    this.submissions = JSON.stringify(alert.submissionIds);
    this.exercise = alert.exercise ? 'true' : 'false';
    this.kind = alert.update === true ? ',"kind":"update"' : '';
    this.events =
      alert.events && alert.events.length > 0
        ? `,"events":${JSON.stringify(
            alert.events.map((e) => ({
              id: e.id,
              type: e.type,
              ...(e.name === undefined ? {} : { name: e.name }),
              ...(e.kind === undefined ? {} : { kind: e.kind }),
              members: e.members,
            })),
          )}`
        : '';
    const { refusals, correlations } = alert;
    if (objs.length === 0) {
      this.starts = [];
      return;
    }
    // An upper bound of the wrapping: part and parts never have more digits than the object count.
    const most = objs.length;
    const envelope = Buffer.byteLength(
      bundleHead(SOME_BUNDLE_ID) +
        this.tail(most, most) +
        (refusals && refusals.size > 0 ? ',"blocklist_refusals":[]' : '') +
        (correlations && correlations.size > 0 ? ',"correlation":[]' : '') +
        '}}',
    );
    this.starts = partStartsOf(list, refusals, correlations, limits, envelope);
  }

  /** The part's wrapping after its objects, up to its entry lists (which close it with `}}`). */
  private tail(part: number, parts: number): string {
    return `,${this.markingJson}],"x_isac_alert":{"alert_id":${JSON.stringify(this.alert.alertId)},"part":${part},"parts":${parts},"submission_ids":${this.submissions},"exercise":${this.exercise}${this.kind}${this.events}`;
  }

  part(i: number): AlertPart {
    const { alert, list, starts } = this;
    const parts = starts.length;
    if (i < 0 || i >= parts) throw new Error('no such part');
    const from = starts[i]!;
    const to = i + 1 < parts ? starts[i + 1]! : list.objs.length;
    const part = i + 1;
    const bundleId = alertPartBundleId(alert.alertId, part);
    const payload = Buffer.concat([
      Buffer.from(bundleHead(bundleId)),
      ...objectRun(list, from, to),
      Buffer.from(this.tail(part, parts)),
      entryList('blocklist_refusals', alert.refusals, from, to),
      entryList('correlation', alert.correlations, from, to),
      CLOSE,
    ]);
    return {
      part,
      parts,
      bundleId,
      from,
      to,
      bytes: payload.length,
      message: {
        topic: (this.topic ??= alertTopic(
          alert.orgId,
          alert.tlp,
          (list.typeSegment ??= alertTypeSegment(alert.objects.map((o) => String(o.released['type'])))),
          alert.exercise,
        )),
        payload,
        contentType: STIX_MEDIA_TYPE,
        userProperties: {
          alertId: alert.alertId,
          part: String(part),
          parts: String(parts),
          tlp: alert.tlp,
          exercise: this.exercise,
          ...(alert.update === true ? { kind: 'update' } : {}),
        },
      },
    };
  }
}

function bundleHead(bundleId: string): string {
  return `{"type":"bundle","id":${JSON.stringify(bundleId)},"objects":[`;
}

/**
 * The marking definitions a part carries, as JSON: those the list's objects reference (TLP,
 * EXERCISE), else the alert TLP's; once per (list, TLP).
 */
function markingJsonOf(list: ListFacts, tlp: TlpLevel): string {
  const byTlp = (list.markingJson ??= new Map<TlpLevel, string>());
  let json = byTlp.get(tlp);
  if (json === undefined) {
    const markings: string[] = [];
    let tlpMarked = false;
    for (const id of markingIdsOf(list.objs)) {
      const m = definitionJson(id);
      if (m !== undefined) markings.push(m);
      if (!tlpMarked && tlpMarkingById(id)) tlpMarked = true;
    }
    if (!tlpMarked) markings.push(definitionJson(tlp2Marking(tlp).id)!);
    byTlp.set(tlp, (json = markings.join(',')));
  }
  return json;
}

function layout(alert: AlertContent, limits: PartLimits): Layout {
  return new Layout(alert, listOf(alert.objects), limits);
}
