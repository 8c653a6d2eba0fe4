/**
 * The classification of a submission, pure (ADR 0008): the objects as received, the submitter, the
 * organisation directory and what the store already holds -> the versions to store, the objects
 * refused (with why) and the ones already there. IngestService asks the store the questions
 * `storeQuestions` names, then persists what `classify` decided.
 */
import {
  InvalidStixError,
  atOnce,
  PayloadTooLargeError,
  ValidationError,
  type Org,
  type TlpLevel,
} from '@isac/kernel';
import type { StixObject } from '@isac/policy';
import {
  exerciseState,
  normalizeTimestamp,
  type AcceptOutcome,
  type Exercise,
  type NewObjectVersion,
  type OrgIndex,
  type StatusDetail,
  type StoredVersions,
  type SubmissionStatus,
} from '@isac/store';
import { SCO_TYPES, canonicalId, validateObject } from '@isac/stix';
import { unsafeCharacter, unsafeTextMessage } from '@isac/api';
import { assignTlpInSlices, nonTlpMarkingRefs, statementMarkingIds } from './effective-tlp.js';
import { readHubExtension } from './hub-extension.js';

/** How a submission is to be stored and distributed, beyond the objects themselves. */
export interface SubmitOptions {
  readonly collectionId: string;
  /** TLP for objects with no marking of their own or of a container; default the policy's `defaultTlp`. */
  readonly defaultTlp?: TlpLevel | undefined;
  /** Organisation ids (or their STIX identity ids); the hub extension on an object overrides them. */
  readonly namedRecipients?: readonly string[] | undefined;
  /** True: the submitter is named to recipients. Default anonymous. */
  readonly named?: boolean | undefined;
  /**
   * An exercise submission names its exercise (ADR 0033): its id. `true` alone is refused (which
   * exercise?); false or absent: live. The hub extension's `exercise` on an object overrides it.
   */
  readonly exercise?: boolean | string | undefined;
  /** For the audit record: 'taxii' | 'rest' | 'feed'. */
  readonly channel: string;
  /** The partner feed the objects were pulled from (ADR 0041): recorded with each version. */
  readonly feedId?: string | undefined;
}

/** Everything the classification depends on besides the objects and the store. */
export interface SubmissionContext {
  readonly submitter: Org;
  readonly orgs: OrgIndex;
  readonly hub: { readonly id: string };
  readonly options: SubmitOptions;
  /** The policy's default TLP, unless the options name one. */
  readonly defaultTlp: TlpLevel;
  readonly now: Date;
  readonly maxObjects: number;
  readonly maxFutureSkewMs: number;
  /** The hub's exercises, by id (ADR 0033): an exercise submission must name a running one. */
  readonly exercises: ReadonlyMap<string, Exercise>;
}

/**
 * What an exercise flag means (ADR 0033): live (false/absent), or the running exercise it names;
 * otherwise the reason it is refused, naming `field`.
 */
export function exerciseOf(
  flag: boolean | string | undefined,
  ctx: Pick<SubmissionContext, 'exercises' | 'now'>,
  field: string,
): { readonly exerciseId?: string; readonly error?: string } {
  if (flag === undefined || flag === false) return {};
  if (flag === true)
    return {
      error: `${field} must name the exercise (its id, from isac admin exercise list), not just true / ${field} には演習IDを指定してください`,
    };
  const e = ctx.exercises.get(flag);
  if (!e) return { error: `${field}: no exercise ${flag} / ${field}: 演習 ${flag} はありません` };
  const state = exerciseState(e, ctx.now);
  if (state === 'running') return { exerciseId: e.id };
  const why = {
    scheduled: [`has not started (starts ${e.start})`, '開始前です'],
    ended: [`has ended (${e.end})`, '終了しています'],
    closed: ['is closed', '締め切られています'],
  }[state];
  return { error: `${field}: exercise ${flag} ${why[0]} / ${field}: 演習 ${flag} は${why[1]}` };
}

/** One object's line of the status resource, at its position in the submission. */
export type Outcome = StatusDetail & {
  readonly index: number;
  /** A failure's reason code (`isac_ingest_rejected_objects_total`, ADR 0032); not in the status. */
  readonly reason?: RejectReason;
};

/** Why an object was refused, as a closed set of codes for metrics. */
export type RejectReason =
  | 'invalid_stix'
  | 'refused'
  | 'hub_extension'
  | 'unknown_named_recipient'
  | 'conflicting_repeat'
  | 'id_not_available'
  | 'exercise';

interface Candidate {
  readonly index: number;
  readonly object: StixObject;
  /** The id as submitted (what the status resource names). */
  readonly id: string;
  /** The canonical id (ADR 0017): the store's key, and what every comparison uses. */
  readonly key: string;
  readonly type: string;
  readonly version: string;
  readonly namedRecipients: readonly string[];
  readonly anonymous: boolean;
  readonly exercise: boolean;
  readonly exerciseId?: string | undefined;
}

/** After the checks that need nothing from the store: the valid, bound, distinct objects. */
export interface Screened {
  readonly total: number;
  readonly candidates: readonly Candidate[];
  readonly failures: readonly Outcome[];
  /** Repeats inside the submission of an identical object. */
  readonly successes: readonly Outcome[];
}

/** What the store holds that the classification needs. */
export interface StoreKnowledge {
  /** Statement marking definitions already stored among those asked about. */
  readonly statementMarkings: ReadonlySet<string>;
  /** Who submitted, and which versions are stored, of the objects asked about. */
  readonly versions: ReadonlyMap<string, StoredVersions>;
}

export interface Classification {
  /** The versions to store (keyed by canonical id), each with the position and submitted id of its object. */
  readonly accepted: readonly {
    readonly index: number;
    readonly id: string;
    readonly version: NewObjectVersion;
    /** The submitter already stored other versions of this id (said so in the status, issue 16). */
    readonly newVersion: boolean;
  }[];
  readonly failures: readonly Outcome[];
  /** Objects the hub already has (repeats in the submission, or versions stored before). */
  readonly successes: readonly Outcome[];
  /**
   * Of `successes`, the echoes: another organisation's id at a version the hub holds. The status
   * tells them as plain successes, not "already added" (ADR 0017); the hub's own counters
   * (a partner feed's) count them as duplicates.
   */
  readonly echoes: number;
}

const EPOCH = '1970-01-01T00:00:00.000Z';

function versionOf(o: Record<string, unknown>): string {
  const v = o['modified'] ?? o['created'];
  return typeof v === 'string' ? v : EPOCH;
}

function describeErrors(errors: readonly { path: string; message: string }[]): string {
  const shown = errors.slice(0, 5).map((e) => `${e.path || '/'}: ${e.message}`);
  if (errors.length > 5) shown.push(`and ${errors.length - 5} more`);
  return shown.join('; ');
}

/**
 * The identities the submitter may not speak for, by canonical id (ADR 0017): every other
 * member's and the hub's. Built once per submission.
 */
export interface Identities {
  readonly own: string;
  /** Canonical identity id -> the organisation it belongs to, or 'hub'. */
  readonly others: ReadonlyMap<string, Org | 'hub'>;
  readonly members: ReadonlyMap<string, Org>;
}

export function identitiesOf(ctx: Pick<SubmissionContext, 'submitter' | 'orgs' | 'hub'>): Identities {
  const members = new Map<string, Org>();
  for (const org of ctx.orgs.byId.values()) members.set(canonicalId(org.identityId), org);
  const own = canonicalId(ctx.submitter.identityId);
  const others = new Map<string, Org | 'hub'>(members);
  others.delete(own);
  if (canonicalId(ctx.hub.id) !== own) others.set(canonicalId(ctx.hub.id), 'hub');
  return { own, others, members };
}

/** Organisation ids or identity ids (any case) -> organisation ids, and the names no member has. */
function resolve(
  orgs: OrgIndex,
  people: Identities,
  names: readonly string[],
): { ids: string[]; unknown: string[] } {
  const ids: string[] = [];
  const unknown: string[] = [];
  for (const n of names) {
    const org = orgs.byId.get(n) ?? people.members.get(canonicalId(n));
    if (org) {
      if (!ids.includes(org.id)) ids.push(org.id);
    } else unknown.push(n);
  }
  return { ids, unknown };
}

const MAX_REF_DEPTH = 64;

/**
 * The attribution rule (ADR 0017): the JSON pointer of the first reference property (`*_ref`,
 * `*_refs`, at any depth, custom ones included) that names another member's or the hub's
 * identity, or undefined. A member speaks only for itself: it names its own identity, outside
 * parties, or identities it defines (a sector, an unnamed victim), never another member's.
 */
export function foreignReference(
  value: unknown,
  people: Identities,
  path = '',
  depth = 0,
): string | undefined {
  if (depth > MAX_REF_DEPTH || typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const r = foreignReference(value[i], people, `${path}/${i}`, depth + 1);
      if (r) return r;
    }
    return undefined;
  }
  for (const [k, v] of Object.entries(value)) {
    const p = `${path}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    if (k.endsWith('_ref') && typeof v === 'string') {
      if (people.others.has(canonicalId(v))) return p;
    } else if (k.endsWith('_refs') && Array.isArray(v)) {
      const i = v.findIndex((x) => typeof x === 'string' && people.others.has(canonicalId(x)));
      if (i >= 0) return `${p}/${i}`;
    } else {
      const r = foreignReference(v, people, p, depth + 1);
      if (r) return r;
    }
  }
  return undefined;
}

/** Why an otherwise valid object is refused, or undefined. */
function refusal(
  o: Record<string, unknown>,
  ctx: SubmissionContext,
  people: Identities,
  latest: number,
): string | undefined {
  for (const k of ['created', 'modified'] as const) {
    const ts = o[k];
    if (typeof ts === 'string' && Date.parse(ts) > latest) {
      return `${k} ${ts} is more than ${Math.round(ctx.maxFutureSkewMs / 3_600_000)} h ahead of the hub's clock; fix the producer's clock`;
    }
  }
  // The name of an SDO, SRO or meta object is the submitter's title, shown in mail, the console and
  // terminals: no hidden characters. SCO properties (a file name, a URL) are evidence: kept as sent.
  const name = o['name'];
  if (typeof name === 'string' && !SCO_TYPES.has(o['type'] as string)) {
    const bad = unsafeCharacter(name);
    if (bad) return unsafeTextMessage('name', bad);
  }
  const id = o['id'];
  if (o['type'] === 'identity' && typeof id === 'string' && people.others.has(canonicalId(id)))
    return ID_NOT_AVAILABLE;
  const ref = foreignReference(o, people);
  if (ref !== undefined) {
    if (ref === '/created_by_ref')
      return 'created_by_ref names the identity of another member organisation or the hub: an organisation submits only as itself';
    return `${ref} names the identity of another member organisation or the hub: an organisation reports only as itself; to name a sector or a victim, refer to an identity object of your own (identity_class "class" or "organization")`;
  }
  return undefined;
}

/** Step 0, before anything is read: 413 past the object limit, 400 for none. */
export function checkSize(objects: readonly unknown[], maxObjects: number): void {
  if (objects.length > maxObjects) {
    throw new PayloadTooLargeError(
      `the submission holds ${objects.length} objects; at most ${maxObjects} are accepted in one envelope or bundle: split it`,
    );
  }
  if (objects.length === 0)
    throw new ValidationError('the submission holds no objects', [{ path: '/objects', message: 'empty' }]);
}

/**
 * Step 1: validate each object, bind it to the submitter, read its distribution instructions and
 * drop repeats. Throws for the submission as a whole (too many objects, none, unknown named
 * recipients in the options).
 */
export function screen(objects: readonly unknown[], ctx: SubmissionContext): Screened {
  const steps = screenInSlices(objects, ctx, Number.MAX_SAFE_INTEGER);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * `screen` one slice at a time (ADR 0019): the generator yields after every `slice` objects, so
 * that a caller can let the event loop run between slices. Still pure: what it yields is nothing,
 * what it returns is `screen`'s answer.
 */
export function* screenInSlices(
  objects: readonly unknown[],
  ctx: SubmissionContext,
  slice: number,
): Generator<void, Screened, void> {
  checkSize(objects, ctx.maxObjects);
  const people = identitiesOf(ctx);
  const common = resolve(ctx.orgs, people, ctx.options.namedRecipients ?? []);
  if (common.unknown.length > 0) {
    throw new ValidationError(
      `named recipients that are not member organisations: ${common.unknown.join(', ')}`,
      [{ path: '/namedRecipients', message: 'unknown organisation' }],
    );
  }
  const commonExercise = exerciseOf(ctx.options.exercise, ctx, 'exercise');
  if (commonExercise.error !== undefined)
    throw new ValidationError(commonExercise.error, [{ path: '/exercise', message: commonExercise.error }]);
  const latest = ctx.now.getTime() + ctx.maxFutureSkewMs;
  const failures: Outcome[] = [];
  const successes: Outcome[] = [];
  const candidates: Candidate[] = [];
  const seen = new Map<string, { index: number; object: Record<string, unknown> }>();
  const fail = (index: number, id: string, version: string, message: string, reason: RejectReason): void => {
    failures.push({ index, id, version, message, reason });
  };
  for (let i = 0; i < objects.length; i++) {
    if (i > 0 && i % slice === 0) yield;
    const raw = objects[i];
    const report = validateObject(raw, i, { now: ctx.now });
    const o = (typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? raw : {}) as Record<
      string,
      unknown
    >;
    const id = report.id ?? `objects[${i}]`;
    const version = versionOf(o);
    if (!report.valid) {
      fail(i, id, version, `invalid STIX: ${describeErrors(report.errors)}`, 'invalid_stix');
      continue;
    }
    const problem = refusal(o, ctx, people, latest);
    if (problem) {
      fail(i, id, version, problem, 'refused');
      continue;
    }
    // A partner's copy may carry its own hub's extension (its named recipients are its members,
    // not ours): for a feed, the feed's settings apply instead (ADR 0041).
    const ext = ctx.options.feedId === undefined ? readHubExtension(o) : {};
    if (ext.error) {
      fail(i, id, version, ext.error, 'hub_extension');
      continue;
    }
    const ex =
      ext.value?.exercise === undefined
        ? commonExercise
        : exerciseOf(ext.value.exercise, ctx, 'exercise (hub extension)');
    if (ex.error !== undefined) {
      fail(i, id, version, ex.error, 'exercise');
      continue;
    }
    let named = common.ids;
    if (ext.value?.namedRecipients) {
      const r = resolve(ctx.orgs, people, ext.value.namedRecipients);
      if (r.unknown.length > 0) {
        fail(
          i,
          id,
          version,
          `named recipients that are not member organisations: ${r.unknown.join(', ')}`,
          'unknown_named_recipient',
        );
        continue;
      }
      named = r.ids;
    }
    const canonical = canonicalId(id);
    const key = `${canonical}|${normalizeTimestamp(version)}`;
    const prev = seen.get(key);
    if (prev) {
      // Compared as canonical JSON only on a repeat: no copy of every object (ADR 0019).
      const same =
        JSON.stringify({ ...prev.object, id: canonical }) === JSON.stringify({ ...o, id: canonical });
      if (same) successes.push({ index: i, id, version, message: ALREADY_ADDED });
      else
        fail(
          i,
          id,
          version,
          `objects[${i}] repeats the id and version of objects[${prev.index}] with different content; a version is never rewritten`,
          'conflicting_repeat',
        );
      continue;
    }
    seen.set(key, { index: i, object: o });
    candidates.push({
      index: i,
      object: o,
      id,
      key: canonical,
      type: report.type ?? '',
      version,
      namedRecipients: named,
      anonymous: !(ext.value?.named ?? ctx.options.named ?? false),
      exercise: ex.exerciseId !== undefined,
      ...(ex.exerciseId === undefined ? {} : { exerciseId: ex.exerciseId }),
    });
  }
  return { total: objects.length, candidates, failures, successes };
}

/**
 * Step 2: what to ask the store: marking definitions referred to but not defined in the
 * submission (a stored statement is known), and the objects whose owner and versions matter.
 */
export function storeQuestions(s: Screened): { markingIds: string[]; objectIds: string[] } {
  return atOnce(storeQuestionsInSlices(s, Number.MAX_SAFE_INTEGER));
}

/** `storeQuestions`, yielding after every `slice` objects (ADR 0019). */
export function* storeQuestionsInSlices(
  s: Screened,
  slice: number,
): Generator<void, { markingIds: string[]; objectIds: string[] }, void> {
  const defined = new Set<string>();
  const referred = new Set<string>();
  const objectIds = new Set<string>();
  for (let i = 0; i < s.candidates.length; i += slice) {
    if (i > 0) yield;
    const part = s.candidates.slice(i, i + slice);
    const objects = part.map((c) => c.object);
    for (const m of statementMarkingIds(objects)) defined.add(m);
    for (const m of nonTlpMarkingRefs(objects)) referred.add(m);
    for (const c of part) if (!SCO_TYPES.has(c.type)) objectIds.add(c.key);
  }
  return { markingIds: [...referred].filter((r) => !defined.has(r)), objectIds: [...objectIds] };
}

/**
 * The one answer to an object whose id another organisation holds (ADR 0017): it names no owner
 * and is the same whether or not the caller may see that object. The identity object of another
 * member or of the hub gets it too.
 */
export const ID_NOT_AVAILABLE =
  'this object id is not available to your organisation: only the organisation that first submitted an id adds versions of it; give your object a new id';

/**
 * Step 3: with what the store knows, the versions to store: a new version of an object another
 * organisation submitted is refused (ID_NOT_AVAILABLE), an identical (id, version) is a duplicate
 * whoever sends it; the rest get their effective TLP and the markings the hub knows. A duplicate
 * of another organisation's version is answered as a new object would be (its note, never
 * "Object already added"), so that the answer does not tell whether the id exists (ADR 0017).
 */
export function classify(s: Screened, known: StoreKnowledge, ctx: SubmissionContext): Classification {
  return atOnce(classifyInSlices(s, known, ctx, Number.MAX_SAFE_INTEGER));
}

/** `classify`, yielding after every `slice` objects of each pass (ADR 0019). */
export function* classifyInSlices(
  s: Screened,
  known: StoreKnowledge,
  ctx: SubmissionContext,
  slice: number,
): Generator<void, Classification, void> {
  const { submitter, options } = ctx;
  const failures: Outcome[] = [...s.failures];
  const successes: Outcome[] = [...s.successes];
  const markings = new Set<string>(known.statementMarkings);
  for (let i = 0; i < s.candidates.length; i += slice) {
    if (i > 0) yield;
    for (const m of statementMarkingIds(s.candidates.slice(i, i + slice).map((c) => c.object)))
      markings.add(m);
  }
  const echoes: Candidate[] = [];
  const accepted: Candidate[] = [];
  for (let i = 0; i < s.candidates.length; i++) {
    if (i > 0 && i % slice === 0) yield;
    const c = s.candidates[i]!;
    const e = known.versions.get(c.key);
    if (!e || e.submitterOrgId === submitter.id || SCO_TYPES.has(c.type)) accepted.push(c);
    else if (e.versions.includes(normalizeTimestamp(c.version))) echoes.push(c);
    else
      failures.push({
        index: c.index,
        id: c.id,
        version: c.version,
        message: ID_NOT_AVAILABLE,
        reason: 'id_not_available',
      });
  }
  const all = [...accepted, ...echoes];
  const tlps = yield* assignTlpInSlices(
    all.map((c) => c.object),
    { defaultTlp: options.defaultTlp ?? ctx.defaultTlp, knownMarkings: markings },
    slice,
  );
  const versions: NewObjectVersion[] = [];
  for (let k = 0; k < all.length; k++) {
    if (k > 0 && k % slice === 0) yield;
    const c = all[k]!;
    const t = tlps[k]!;
    versions.push({
      collectionId: options.collectionId,
      id: c.key,
      type: c.type,
      specVersion: typeof c.object['spec_version'] === 'string' ? c.object['spec_version'] : '2.1',
      version: c.version,
      object: c.object,
      submitterOrgId: submitter.id,
      tlp: t.tlp,
      tlpSource: t.tlpSource,
      unknownMarkings: t.unknownMarkings,
      knownMarkings: t.knownMarkings,
      namedRecipients: c.namedRecipients,
      anonymous: c.anonymous,
      exercise: c.exercise,
      ...(c.exerciseId === undefined ? {} : { exerciseId: c.exerciseId }),
      ...(options.feedId === undefined ? {} : { feedId: options.feedId }),
    });
  }
  echoes.forEach((c, k) => {
    const message = noteFor(versions[accepted.length + k]!);
    successes.push({ index: c.index, id: c.id, version: c.version, ...(message ? { message } : {}) });
  });
  // only of the submitter's own objects: another organisation's id stays undisclosed (ADR 0017)
  const ownEarlier = (c: Candidate): boolean => {
    const e = known.versions.get(c.key);
    return e !== undefined && e.submitterOrgId === submitter.id && e.versions.length > 0;
  };
  const out: Classification['accepted'][number][] = [];
  for (let k = 0; k < accepted.length; k++) {
    if (k > 0 && k % slice === 0) yield;
    const c = accepted[k]!;
    out.push({ index: c.index, id: c.id, version: versions[k]!, newVersion: ownEarlier(c) });
  }
  return { accepted: out, failures, successes, echoes: echoes.length };
}

/** The status message of an (id, version) the hub already holds. */
export const ALREADY_ADDED = 'Object already added';
/** The start of the status message of a new version of an object the submitter stored before. */
export const NEW_VERSION = 'new version of an object already stored';

/** What the submitter is told about a stored version, if anything. */
export function noteFor(v: NewObjectVersion): string | undefined {
  if (v.tlp === 'red' && v.namedRecipients.length === 0)
    return 'stored as TLP:RED without named recipients: only your organisation can receive it';
  if (v.unknownMarkings.length > 0)
    return `stored; it carries marking definitions the hub does not know (${v.unknownMarkings.join(', ')}), so no other organisation receives it`;
  if (v.tlpSource === 'default')
    return `stored; it had no TLP marking and is treated as TLP:${v.tlp.toUpperCase()}`;
  return undefined;
}

/** Step 5 (after the store's accept): the TAXII status resource, objects in submission order. */
export function submissionStatus(
  c: Classification,
  outcomes: readonly AcceptOutcome[],
  i: {
    readonly id: string;
    readonly submitter: Org;
    readonly now: Date;
    readonly total: number;
    /** By position in `c.accepted`: what else the submitter is told (the block-list gate's refusals). */
    readonly notes?: ReadonlyMap<number, string>;
  },
): SubmissionStatus {
  const successes: Outcome[] = [...c.successes];
  outcomes.forEach((out, k) => {
    const { index, id, version: v, newVersion } = c.accepted[k]!;
    const note = [noteFor(v), i.notes?.get(k)].filter(Boolean).join('; ') || undefined;
    successes.push({
      index,
      id,
      version: v.version,
      message:
        out === 'duplicate'
          ? ALREADY_ADDED
          : newVersion
            ? [NEW_VERSION, note].filter(Boolean).join('; ')
            : note,
    });
  });
  const byIndex = (a: Outcome, b: Outcome): number => a.index - b.index;
  const strip = ({ id, version, message }: Outcome): StatusDetail =>
    message === undefined ? { id, version } : { id, version, message };
  return {
    id: i.id,
    orgId: i.submitter.id,
    status: 'complete',
    requestTimestamp: i.now.toISOString(),
    totalCount: i.total,
    successes: successes.sort(byIndex).map(strip),
    failures: [...c.failures].sort(byIndex).map(strip),
    pendings: [],
  };
}

/** The answer when nothing of the submission could be accepted (its status is stored all the same). */
export function nothingAccepted(c: Classification, statusId: string): InvalidStixError {
  return new InvalidStixError(
    `no object of the submission could be accepted (status ${statusId})`,
    [...c.failures]
      .sort((a, b) => a.index - b.index)
      .slice(0, 100)
      .map((f) => ({ path: `/objects/${f.index}`, message: f.message ?? 'refused', rule: 'object_refused' })),
  );
}
