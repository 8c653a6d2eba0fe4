import { TLP_LEVELS, ValidationError, type Clock, type Principal, type TlpLevel } from '@isac/kernel';
import type { AuditLog, BrowsedVersion, ObjectStore, OrgDirectory } from '@isac/store';
import type { ViewerFactory } from '../shared/viewer.js';

export interface BrowseInput {
  readonly types?: readonly string[] | undefined;
  readonly tlp?: readonly TlpLevel[] | undefined;
  readonly sector?: string | undefined;
  /** RFC 3339, normalised (`toISOString()`). */
  readonly since?: string | undefined;
  readonly until?: string | undefined;
  readonly limit: number;
  readonly next?: string | undefined;
}

/** One visible object of a browse (the shape of `GET /api/v1/objects`). */
export interface BrowsedObject {
  readonly id: string;
  readonly type: string;
  readonly tlp: TlpLevel;
  readonly name?: string | undefined;
  readonly pattern?: string | undefined;
  readonly created: string;
  readonly modified: string;
  readonly added: string;
  readonly revoked: boolean;
  readonly expired: boolean;
  readonly expiredAt?: string | undefined;
  /** Only when the submitter chose to be named. */
  readonly sector?: string | undefined;
}

export interface BrowseResult {
  readonly objects: readonly BrowsedObject[];
  /** Objects on this page: visible ones only. */
  readonly count: number;
  readonly more: boolean;
  readonly next?: string | undefined;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * Browsing what a reader may see (ADR 0038): the store narrows by columns (type, TLP, named
 * submitter, time, readable collections), then every version goes through the reader's Viewer,
 * the gate of TAXII reads, before it is kept, counted or used for `more`/`next`; what is shown is
 * the copy the policy releases. The sector filter becomes "named submitters of that sector", so
 * an anonymous submission is never found by its submitter's sector: the filter tells nothing the
 * answer does not show.
 */
export class BrowseService {
  constructor(
    private readonly deps: {
      objects: ObjectStore;
      viewers: ViewerFactory;
      directory: OrgDirectory;
      audit: AuditLog;
      clock: Clock;
      auditReads: boolean;
      /** The stored ids of the live collections members may read; undefined: all of them. */
      readableCollections: () => readonly string[] | undefined;
    },
  ) {}

  async browse(principal: Principal, input: BrowseInput): Promise<BrowseResult> {
    if (input.since !== undefined && input.until !== undefined && input.until <= input.since)
      throw new ValidationError('until must be later than since', [
        { path: 'until', message: 'must be later than since' },
      ]);
    const viewer = await this.deps.viewers.forPrincipal(principal);
    const orgs = (await this.deps.directory.orgs()).byId;
    const namedSubmitters =
      input.sector === undefined
        ? undefined
        : [...orgs.values()].filter((o) => o.sector === input.sector).map((o) => o.id);
    // The policy's pre-filter: levels the reader may never get from another organisation are
    // read only among its own objects (a trial member asking for AMBER reads no AMBER row).
    const requested = input.tlp ?? TLP_LEVELS;
    const reachable = new Set(viewer.reachableLevels());
    const inReach = requested.filter((l) => reachable.has(l));
    const narrowed =
      inReach.length === requested.length
        ? {}
        : inReach.length === 0
          ? { submitters: [principal.orgId] }
          : { reach: { tlpIn: inReach, orSubmitter: principal.orgId } };
    const kept: { at: BrowsedVersion; object: Readonly<Record<string, unknown>> }[] = [];
    let cursor = input.next;
    let more = false;
    // Read the store in chunks until the page is full and one more visible object proves `more`.
    for (;;) {
      const page = await this.deps.objects.browse({
        collections: this.deps.readableCollections(),
        types: input.types,
        tlpIn: input.tlp,
        namedSubmitters,
        ...narrowed,
        addedSince: input.since,
        addedUntil: input.until,
        limit: Math.min(Math.max(input.limit - kept.length + 1, 64), 1000),
        next: cursor,
      });
      for (const at of page.items) {
        if (kept.length < input.limit) {
          const object = viewer.release(at.version);
          if (object !== undefined) kept.push({ at, object });
        } else if (viewer.visible(at.version)) {
          more = true;
          break;
        }
      }
      if (more || !page.more || page.next === undefined) break;
      cursor = page.next;
    }
    const objects = kept.map(({ at: { version: v }, object: o }): BrowsedObject => {
      const submitter = orgs.get(v.submitterOrgId);
      const name = str(o['name']);
      const pattern = v.type === 'indicator' ? str(o['pattern']) : undefined;
      return {
        id: v.id,
        type: v.type,
        tlp: v.tlp,
        ...(name === undefined ? {} : { name }),
        ...(pattern === undefined ? {} : { pattern }),
        created: str(o['created']) ?? v.version,
        modified: str(o['modified']) ?? v.version,
        added: v.dateAdded,
        revoked: o['revoked'] === true,
        expired: v.expiredAt !== undefined,
        ...(v.expiredAt === undefined ? {} : { expiredAt: v.expiredAt }),
        ...(!v.anonymous && submitter ? { sector: submitter.sector } : {}),
      };
    });
    await this.auditRelease(principal, objects);
    const last = kept[kept.length - 1];
    return {
      objects,
      count: objects.length,
      more,
      ...(more && last ? { next: last.at.position } : {}),
    };
  }

  private async auditRelease(principal: Principal, objects: readonly BrowsedObject[]): Promise<void> {
    if (!this.deps.auditReads || objects.length === 0) return;
    await this.deps.audit.append([
      {
        at: this.deps.clock.now().toISOString(),
        actor: { orgId: principal.orgId, userId: principal.userId, keyId: principal.keyId },
        action: 'object.release',
        target: { kind: 'browse', id: 'objects', orgId: principal.orgId },
        outcome: 'ok',
        details: { channel: 'browse', count: objects.length, objects: objects.map((o) => o.id) },
      },
    ]);
  }
}
