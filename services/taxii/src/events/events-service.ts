import { NotFoundError, type Clock, type Principal, type TlpLevel } from '@isac/kernel';
import type { AuditLog, ObjectStore, ObjectVersion } from '@isac/store';
import {
  canonicalId,
  eventKind,
  eventMemberIds,
  indexEntriesOf,
  isEvent,
  type IndexedObservable,
} from '@isac/stix';
import type { Viewer, ViewerFactory } from '../shared/viewer.js';

type Json = Readonly<Record<string, unknown>>;

export interface EventObservable {
  readonly kind: IndexedObservable['kind'];
  readonly value: string;
  readonly algorithm?: string | undefined;
}

/** One object as the event view shows it (the shape of `GET /api/v1/objects/{id}/events`). */
export interface EventObject {
  readonly id: string;
  readonly type: string;
  readonly tlp: TlpLevel;
  readonly name?: string | undefined;
  readonly modified: string;
  readonly revoked: boolean;
  readonly expired: boolean;
  readonly observables?: readonly EventObservable[] | undefined;
}

export interface EventSummary {
  readonly id: string;
  readonly type: string;
  readonly tlp: TlpLevel;
  readonly name?: string | undefined;
  readonly kind?: string | undefined;
  readonly published?: string | undefined;
  /** Members the reader may see; hidden ones are not counted. */
  readonly members: number;
}

export interface EventDetail extends EventSummary {
  readonly byType: Readonly<Record<string, number>>;
  readonly objects: readonly EventObject[];
}

export interface ObjectEvents {
  readonly object: EventObject;
  readonly event?: EventDetail | undefined;
  readonly events: readonly EventSummary[];
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * Events (ADR 0045): a report or grouping shown with its members, and any object with the events
 * naming it. Every object read goes through the reader's Viewer (the policy of TAXII reads), and a
 * hidden one leaves no trace: not listed, not counted, not in `byType`. Two store queries per view
 * whatever the number of members (latest versions by id, events by member).
 */
export class EventsService {
  constructor(
    private readonly deps: {
      objects: ObjectStore;
      viewers: ViewerFactory;
      audit: AuditLog;
      clock: Clock;
      auditReads: boolean;
    },
  ) {}

  async view(principal: Principal, objectId: string): Promise<ObjectEvents> {
    const id = canonicalId(objectId);
    const viewer = await this.deps.viewers.forPrincipal(principal);
    const own = visibleLatest(await this.deps.objects.latestOf([id]), viewer).get(id);
    const ownCopy = own && viewer.release(own);
    if (!own || !ownCopy) throw new NotFoundError(`no object ${objectId} is available to your organisation`);
    const links = (await this.deps.objects.eventsNaming([id])).filter((l) => viewer.visible(l.version));
    // every member of the object (if an event) and of its events, in one read
    const refs = new Set<string>(eventMemberIds(own.object));
    for (const l of links) for (const m of eventMemberIds(l.version.object)) refs.add(m);
    const members = visibleLatest(await this.deps.objects.latestOf([...refs]), viewer);
    const visibleCount = (event: ObjectVersion): number =>
      eventMemberIds(event.object).filter((m) => members.has(m)).length;

    let event: EventDetail | undefined;
    if (isEvent(own.object)) {
      const objects: EventObject[] = [];
      const byType: Record<string, number> = {};
      for (const m of eventMemberIds(own.object)) {
        const v = members.get(m);
        const copy = v && viewer.release(v);
        if (!v || !copy) continue;
        objects.push(shown(v, copy));
        byType[v.type] = (byType[v.type] ?? 0) + 1;
      }
      event = { ...summary(own, ownCopy, objects.length), byType, objects };
    }
    const events: EventSummary[] = [];
    const seen = new Set<string>();
    for (const l of links.sort((a, b) => (a.version.dateAdded < b.version.dateAdded ? 1 : -1))) {
      const copy = viewer.release(l.version);
      if (!copy || seen.has(l.version.id)) continue;
      seen.add(l.version.id);
      events.push(summary(l.version, copy, visibleCount(l.version)));
    }
    const result: ObjectEvents = { object: shown(own, ownCopy), ...(event ? { event } : {}), events };
    await this.auditRelease(principal, id, result);
    return result;
  }

  private async auditRelease(principal: Principal, id: string, r: ObjectEvents): Promise<void> {
    if (!this.deps.auditReads) return;
    const objects = [r.object.id, ...(r.event?.objects.map((o) => o.id) ?? []), ...r.events.map((e) => e.id)];
    await this.deps.audit.append([
      {
        at: this.deps.clock.now().toISOString(),
        actor: { orgId: principal.orgId, userId: principal.userId, keyId: principal.keyId },
        action: 'object.release',
        target: { kind: 'search', id, orgId: principal.orgId },
        outcome: 'ok',
        details: { channel: 'events', count: objects.length, objects },
      },
    ]);
  }
}

/**
 * TAXII reads of events (ADR 0045): each released report or grouping of a page names only the
 * members the reader may see (their latest version passes its Viewer), one store read for the
 * page; one left naming none is taken out of the page (an empty object_refs is not STIX, and it
 * would tell the reader only that something is hidden). Other objects pass untouched.
 */
export async function cutEventRefs<T extends { readonly version: ObjectVersion; readonly out: Json }>(
  objects: ObjectStore,
  viewer: Viewer,
  items: readonly T[],
): Promise<T[]> {
  const refs = new Set<string>();
  for (const it of items) if (isEvent(it.out)) for (const m of eventMemberIds(it.out)) refs.add(m);
  if (refs.size === 0) return [...items];
  const seen = visibleLatest(await objects.latestOf([...refs]), viewer);
  const out: T[] = [];
  for (const it of items) {
    if (!isEvent(it.out)) {
      out.push(it);
      continue;
    }
    const all = it.out['object_refs'];
    const list = Array.isArray(all) ? all.filter((r): r is string => typeof r === 'string') : [];
    const kept = list.filter((r) => seen.has(canonicalId(r)));
    if (kept.length === 0) continue;
    out.push(kept.length === list.length ? it : { ...it, out: { ...it.out, object_refs: kept } });
  }
  return out;
}

/**
 * The newest visible latest version of each id (an id may be in several collections), by
 * canonical id. A version the Viewer denies is as if absent.
 */
export function visibleLatest(
  versions: readonly ObjectVersion[],
  viewer: Viewer,
): Map<string, ObjectVersion> {
  const out = new Map<string, ObjectVersion>();
  for (const v of versions) {
    if (!viewer.visible(v)) continue;
    const key = canonicalId(v.id);
    const prev = out.get(key);
    if (!prev || prev.dateAdded < v.dateAdded) out.set(key, v);
  }
  return out;
}

function shown(v: ObjectVersion, copy: Json): EventObject {
  const observables =
    v.type === 'indicator'
      ? indexEntriesOf(copy).map((e): EventObservable =>
          e.kind === 'file-hash' && e.algorithm !== ''
            ? { kind: e.kind, value: e.value, algorithm: e.algorithm }
            : { kind: e.kind, value: e.value },
        )
      : undefined;
  return {
    id: v.id,
    type: v.type,
    tlp: v.tlp,
    ...(str(copy['name']) === undefined ? {} : { name: str(copy['name']) }),
    modified: str(copy['modified']) ?? v.version,
    revoked: copy['revoked'] === true,
    expired: v.expiredAt !== undefined,
    ...(observables === undefined ? {} : { observables }),
  };
}

function summary(v: ObjectVersion, copy: Json, members: number): EventSummary {
  const kind = eventKind(copy);
  return {
    id: v.id,
    type: v.type,
    tlp: v.tlp,
    ...(str(copy['name']) === undefined ? {} : { name: str(copy['name']) }),
    ...(kind === undefined ? {} : { kind }),
    ...(str(copy['published']) === undefined ? {} : { published: str(copy['published']) }),
    members,
  };
}
