import { ForbiddenError, NotFoundError, type Clock, type Principal } from '@isac/kernel';
import type { StixObject } from '@isac/policy';
import type { AuditLog, ObjectStore, ObjectVersion } from '@isac/store';
import type { TaxiiQuery } from '../shared/taxii-http.js';
import type { Access } from '@isac/auth';
import { canonicalId, EXERCISE_MARKING, EXERCISE_MARKING_ID } from '@isac/stix';
import type { CollectionView } from '../shared/catalog.js';
import { pageMeta, visiblePage, type PageMeta, type ViewerFactory } from '../shared/viewer.js';

/** A page of released objects, with the TAXII date headers' values. */
export interface ObjectsPage extends PageMeta {
  readonly objects: readonly StixObject[];
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
    },
  ) {}

  async list(principal: Principal, c: CollectionView, q: TaxiiQuery): Promise<ObjectsPage> {
    const viewer = await this.deps.viewers.forPrincipal(principal, c.exercise);
    const page = await visiblePage(
      this.deps.objects,
      c.storedId,
      q,
      (v) => viewer.release(v),
      (v) => viewer.visible(v),
    );
    await this.auditRelease(
      principal,
      c.id,
      page.items.map((i) => i.version),
    );
    return { objects: page.items.map((i) => i.out), ...pageMeta(page) };
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
   * Deletes an object's versions (all, or those match[version] selects). Only the submitting
   * organisation or a hub administrator may; a reader who cannot see the object gets not found.
   */
  async remove(
    principal: Principal,
    c: CollectionView,
    objectId: string,
    q: Pick<TaxiiQuery, 'match'>,
  ): Promise<number> {
    const collectionId = c.storedId;
    const viewer = await this.deps.viewers.forPrincipal(principal, c.exercise);
    const targets: ObjectVersion[] = [];
    let next: string | undefined;
    for (;;) {
      const page = await this.deps.objects.list(collectionId, {
        limit: 1000,
        next,
        match: {
          id: [canonicalId(objectId)],
          version: q.match.version ?? ['all'],
          specVersion: q.match.specVersion,
        },
      });
      // a collection deletes only what it serves: live versions, or exercise ones (ADR 0026)
      targets.push(...page.items.filter((v) => v.exercise === c.exercise));
      if (!page.more || page.next === undefined) break;
      next = page.next;
    }
    const seen = targets.filter((v) => viewer.visible(v));
    if (seen.length === 0) throw new NotFoundError(`no object ${objectId} in collection ${c.id}`);
    if (
      !this.deps.access.isHubAdmin(principal) &&
      targets.some((v) => v.submitterOrgId !== principal.orgId)
    ) {
      throw new ForbiddenError(
        'only the submitting organisation or a hub administrator may delete this object',
      );
    }
    let n = 0;
    for (const v of targets) n += await this.deps.objects.remove(collectionId, v.id, v.version);
    await this.deps.audit.append([
      {
        at: this.deps.clock.now().toISOString(),
        actor: { orgId: principal.orgId, userId: principal.userId, keyId: principal.keyId },
        action: 'object.delete',
        target: { kind: 'object', id: objectId, orgId: targets[0]?.submitterOrgId },
        outcome: 'ok',
        details: { collectionId, versions: targets.map((v) => v.version) },
      },
    ]);
    return n;
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
