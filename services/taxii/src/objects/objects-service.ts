import { ForbiddenError, NotFoundError, type Clock, type Principal } from '@isac/kernel';
import type { StixObject } from '@isac/policy';
import type { AuditLog, NewObjectVersion, ObjectStore, ObjectVersion } from '@isac/store';
import type { IngestService } from '../ingest/ingest-service.js';
import type { TaxiiQuery } from '../shared/taxii-http.js';
import type { Access } from '@isac/auth';
import { feedbackProperty, type FeedbackService } from '@isac/feedback';
import { canonicalId, EXERCISE_MARKING, EXERCISE_MARKING_ID } from '@isac/stix';
import type { CollectionView } from '../shared/catalog.js';
import { cutEventRefs } from '../events/events-service.js';
import { pageMeta, visiblePage, type PageMeta, type ViewerFactory } from '../shared/viewer.js';

/** A page of released objects, with the TAXII date headers' values. */
export interface ObjectsPage extends PageMeta {
  readonly objects: readonly StixObject[];
}

/** What a retraction stored, or found stored. */
export interface Retraction {
  readonly objectId: string;
  /** The revoked version. */
  readonly version: string;
  readonly alreadyRetracted: boolean;
  readonly statusId?: string | undefined;
  readonly reason?: string | undefined;
}

/** The reason a revoked version carries in `x_isac_retraction`, if any. */
export function retractionReason(object: Readonly<Record<string, unknown>>): string | undefined {
  const n = object['x_isac_retraction'];
  if (typeof n !== 'object' || n === null) return undefined;
  const r = (n as Record<string, unknown>)['reason'];
  return typeof r === 'string' ? r : undefined;
}

/**
 * The retraction of `latest` (ADR 0028): the same object and distribution (collection,
 * submitter, TLP, markings, named recipients, anonymity, exercise), `modified` later than the
 * latest version's (now, or a millisecond after it when the producer's clock ran ahead),
 * `revoked: true` and `x_isac_retraction: { reason }`.
 */
export function revokedVersion(
  latest: ObjectVersion,
  now: Date,
  reason: string | undefined,
): NewObjectVersion {
  const after = Date.parse(latest.version) + 1;
  const modified = new Date(Math.max(now.getTime(), after)).toISOString();
  const object = {
    ...latest.object,
    modified,
    revoked: true,
    x_isac_retraction: reason !== undefined ? { reason } : {},
  };
  return {
    collectionId: latest.collectionId,
    id: latest.id,
    type: latest.type,
    specVersion: latest.specVersion,
    version: modified,
    object,
    submitterOrgId: latest.submitterOrgId,
    tlp: latest.tlp,
    tlpSource: latest.tlpSource,
    unknownMarkings: latest.unknownMarkings,
    knownMarkings: latest.knownMarkings,
    namedRecipients: latest.namedRecipients,
    anonymous: latest.anonymous,
    exercise: latest.exercise,
    ...(latest.exerciseId !== undefined ? { exerciseId: latest.exerciseId } : {}),
  };
}

export interface VersionsPage extends PageMeta {
  readonly versions: readonly string[];
}

/** Reads of a collection, each object released to the reader's organisation by the policy. */
export class ObjectsService {
  constructor(
    private readonly deps: {
      objects: ObjectStore;
      viewers: ViewerFactory;
      audit: AuditLog;
      clock: Clock;
      auditReads: boolean;
      access: Access;
      /** Where a retraction is stored: the ingest path (ADR 0028). */
      ingest: IngestService;
      /** The aggregate of sightings each served object carries for its reader (ADR 0046). */
      feedback?: Pick<FeedbackService, 'viewsOf'> | undefined;
    },
  ) {}

  async list(principal: Principal, c: CollectionView, q: TaxiiQuery): Promise<ObjectsPage> {
    const viewer = await this.deps.viewers.forPrincipal(principal, c.exercise);
    const read = await visiblePage(
      this.deps.objects,
      c.storedId,
      q,
      (v) => viewer.release(v),
      (v) => viewer.visible(v),
    );
    // a report's or grouping's refs: only members the reader may see (ADR 0045)
    const page = { ...read, items: await cutEventRefs(this.deps.objects, viewer, read.items) };
    await this.auditRelease(
      principal,
      c.id,
      page.items.map((i) => i.version),
    );
    const objects = page.items.map((i) => i.out);
    return { objects: await this.withFeedback(principal, c, objects), ...pageMeta(page) };
  }

  /**
   * The served copies with `x_isac_feedback` (ADR 0046) on each object with reports the reader
   * may count: the aggregate and confidence `GET /api/v1/objects/{id}/sightings` answers it,
   * computed for this reader now, never stored into the object. Exercise objects have none.
   */
  private async withFeedback(
    principal: Principal,
    c: CollectionView,
    objects: readonly StixObject[],
  ): Promise<readonly StixObject[]> {
    const feedback = this.deps.feedback;
    if (!feedback || c.exercise || objects.length === 0) return objects;
    const views = await feedback.viewsOf(
      principal.orgId,
      objects.map((o) => String(o['id'])),
    );
    if (views.size === 0) return objects;
    return objects.map((o) => {
      const v = views.get(canonicalId(String(o['id'])));
      return v ? { ...o, x_isac_feedback: feedbackProperty(v) } : o;
    });
  }

  /** One object (by default its latest version); not found when the reader may see no version of it. */
  async getObject(
    principal: Principal,
    c: CollectionView,
    objectId: string,
    q: TaxiiQuery,
  ): Promise<ObjectsPage> {
    // the EXERCISE marking its objects reference, for a consumer that resolves markings by id
    if (c.exercise && canonicalId(objectId) === EXERCISE_MARKING_ID) return exerciseMarkingPage();
    const page = await this.list(principal, c, {
      ...q,
      match: { ...q.match, id: [canonicalId(objectId)] },
    });
    if (page.objects.length === 0 && q.next === undefined)
      throw new NotFoundError(`no object ${objectId} in collection ${c.id}`);
    return page;
  }

  async versions(
    principal: Principal,
    c: CollectionView,
    objectId: string,
    q: TaxiiQuery,
  ): Promise<VersionsPage> {
    if (c.exercise && canonicalId(objectId) === EXERCISE_MARKING_ID) {
      const m = exerciseMarkingPage();
      return { ...m, versions: [EXERCISE_MARKING['created'] as string] };
    }
    const viewer = await this.deps.viewers.forPrincipal(principal, c.exercise);
    const query = { ...q, match: { ...q.match, id: [canonicalId(objectId)], version: ['all'] } };
    const visible = (v: ObjectVersion): boolean => viewer.visible(v);
    const page = await visiblePage(
      this.deps.objects,
      c.storedId,
      query,
      (v) => (visible(v) ? v.version : undefined),
      visible,
    );
    if (page.items.length === 0 && q.next === undefined)
      throw new NotFoundError(`no object ${objectId} in collection ${c.id}`);
    return { versions: page.items.map((i) => i.out), ...pageMeta(page) };
  }

  /**
   * Takes an object back (ADR 0028): a TAXII DELETE, `POST /api/v1/objects/{id}/retract` and
   * `isac retract` all come here. Nothing is erased: its latest version is stored again with a
   * later `modified`, `revoked: true` and `x_isac_retraction: { reason }`, through the ingest
   * path (`storeRetraction`), so the dispatcher sends `remove` and a notice to every organisation
   * that received it. Only the submitting organisation or a hub administrator may; another
   * organisation gets forbidden when the policy shows it the object, not found when it does not
   * (the same answer as for an id nobody holds). An object already revoked is answered as such
   * and nothing is stored.
   *
   * `where`: the collection a TAXII DELETE names (its live or exercise versions, ADR 0026), or
   * every stored collection (REST: the object's latest version wherever it is).
   */
  async retract(
    principal: Principal,
    where: CollectionView | readonly string[],
    objectId: string,
    opts: { readonly reason?: string | undefined; readonly channel: 'cli' | 'rest' | 'taxii' },
  ): Promise<Retraction> {
    const id = canonicalId(objectId);
    const versions: ObjectVersion[] = [];
    const collections = Array.isArray(where)
      ? (where as readonly string[])
      : [(where as CollectionView).storedId];
    const exercise = Array.isArray(where) ? undefined : (where as CollectionView).exercise;
    for (const collectionId of new Set(collections)) {
      let next: string | undefined;
      for (;;) {
        const page = await this.deps.objects.list(collectionId, {
          limit: 1000,
          next,
          match: { id: [id], version: ['all'] },
        });
        // a collection retracts only what it serves: live versions, or exercise ones (ADR 0026)
        versions.push(...page.items.filter((v) => exercise === undefined || v.exercise === exercise));
        if (!page.more || page.next === undefined) break;
        next = page.next;
      }
    }
    const latest = versions.reduce<ObjectVersion | undefined>(
      (a, v) => (a === undefined || Date.parse(v.version) > Date.parse(a.version) ? v : a),
      undefined,
    );
    const missing = (): NotFoundError =>
      new NotFoundError(
        Array.isArray(where)
          ? `no object ${objectId}`
          : `no object ${objectId} in collection ${(where as CollectionView).id}`,
      );
    if (!latest) throw missing();
    if (!this.deps.access.isHubAdmin(principal) && latest.submitterOrgId !== principal.orgId) {
      const viewer = await this.deps.viewers.forPrincipal(principal, latest.exercise);
      if (!versions.some((v) => viewer.visible(v))) throw missing();
      throw new ForbiddenError(
        'only the submitting organisation or a hub administrator may retract this object / この情報を取り消せるのは提出した組織かハブ管理者だけです',
      );
    }
    if (latest.object['revoked'] === true) {
      const reason = retractionReason(latest.object);
      await this.deps.audit.append([
        {
          at: this.deps.clock.now().toISOString(),
          actor: { orgId: principal.orgId, userId: principal.userId, keyId: principal.keyId },
          action: 'object.retract',
          target: { kind: 'object', id, orgId: latest.submitterOrgId },
          outcome: 'ok',
          details: {
            collectionId: latest.collectionId,
            channel: opts.channel,
            version: latest.version,
            alreadyRetracted: true,
            ...(opts.reason !== undefined ? { reason: opts.reason } : {}),
          },
        },
      ]);
      return { objectId: id, version: latest.version, alreadyRetracted: true, reason };
    }
    const revoked = revokedVersion(latest, this.deps.clock.now(), opts.reason);
    const { statusId, stored } = await this.deps.ingest.storeRetraction(principal, revoked, opts);
    return {
      objectId: id,
      version: revoked.version,
      alreadyRetracted: !stored,
      statusId,
      reason: opts.reason,
    };
  }

  /** One audit record per page that released objects (pull is a release too). */
  async auditRelease(
    principal: Principal,
    collectionId: string,
    versions: readonly ObjectVersion[],
  ): Promise<void> {
    if (!this.deps.auditReads || versions.length === 0) return;
    await this.deps.audit.append([
      {
        at: this.deps.clock.now().toISOString(),
        actor: { orgId: principal.orgId, userId: principal.userId, keyId: principal.keyId },
        action: 'object.release',
        target: { kind: 'collection', id: collectionId, orgId: principal.orgId },
        outcome: 'ok',
        details: {
          channel: 'taxii',
          count: versions.length,
          firstAdded: versions[0]!.dateAdded,
          lastAdded: versions[versions.length - 1]!.dateAdded,
        },
      },
    ]);
  }
}

/** The EXERCISE marking definition (ADR 0026), served by id from an exercise collection. */
function exerciseMarkingPage(): ObjectsPage {
  const created = EXERCISE_MARKING['created'] as string;
  return { objects: [EXERCISE_MARKING], more: false, firstAdded: created, lastAdded: created };
}
