import {
  ValidationError,
  type Clock,
  type Org,
  type ObservableKind,
  type Principal,
  type TlpLevel,
} from '@isac/kernel';
import type { AuditLog, ObjectStore, ObservableHit, OrgDirectory } from '@isac/store';
import { parseObservableQuery, ObservableQueryError, type IndexedObservable } from '@isac/stix';
import type { Viewer, ViewerFactory } from '../shared/viewer.js';

export interface SearchInput {
  readonly q: string;
  readonly kind?: ObservableKind | undefined;
  readonly tlp?: readonly TlpLevel[] | undefined;
  readonly limit: number;
  readonly next?: string | undefined;
}

export interface SearchObservable {
  readonly kind: ObservableKind;
  readonly value: string;
  readonly algorithm?: string | undefined;
}

/** One visible object a search found (the shape of `GET /api/v1/search`: keep it stable). */
export interface SearchHit {
  readonly id: string;
  readonly type: string;
  readonly tlp: TlpLevel;
  readonly observable: SearchObservable;
  readonly observables: readonly SearchObservable[];
  readonly name?: string | undefined;
  readonly created: string;
  readonly modified: string;
  readonly revoked: boolean;
  /** The latest version expired (ADR 0047): at its valid_until or decayed below the threshold. */
  readonly expired: boolean;
  readonly expiredAt?: string | undefined;
  /** Only when the submitter chose to be named. */
  readonly sector?: string | undefined;
  /**
   * Correlation (ADR 0044): the other objects naming exactly one of its matched values that the
   * reader may see, counted, never named; absent when there are none.
   */
  readonly reported?: Reported | undefined;
}

export interface Reported {
  readonly reports: number;
  readonly sectors: number;
  readonly first_seen: string;
  readonly last_seen: string;
}

export interface SearchResult {
  readonly query: { readonly kind: ObservableKind; readonly value: string; readonly match: string };
  readonly hits: readonly SearchHit[];
  /** Hits on this page: visible ones only. */
  readonly count: number;
  readonly more: boolean;
  readonly next?: string | undefined;
}

const shown = (e: IndexedObservable): SearchObservable =>
  e.kind === 'file-hash' && e.algorithm !== ''
    ? { kind: e.kind, value: e.value, algorithm: e.algorithm }
    : { kind: e.kind, value: e.value };

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * Search by observable value (ADR 0036): the store's index answers, then every hit goes through
 * the reader's Viewer, the one gate of every read path (the policy TAXII reads apply), before it
 * is counted, paged or shown. A hidden object leaves no trace: not in hits, count, `more` or
 * `next`.
 */
export class SearchService {
  constructor(
    private readonly deps: {
      objects: ObjectStore;
      viewers: ViewerFactory;
      directory: OrgDirectory;
      audit: AuditLog;
      clock: Clock;
      auditReads: boolean;
    },
  ) {}

  async search(principal: Principal, input: SearchInput): Promise<SearchResult> {
    let query;
    try {
      query = parseObservableQuery(input.q, input.kind);
    } catch (err) {
      if (!(err instanceof ObservableQueryError)) throw err;
      throw new ValidationError(`q ${err.message}`, [{ path: 'q', message: err.message }]);
    }
    const viewer = await this.deps.viewers.forPrincipal(principal);
    const orgs = (await this.deps.directory.orgs()).byId;
    const kept: ObservableHit[] = [];
    let cursor = input.next;
    let more = false;
    // Read the index in chunks until the page is full and one more visible hit proves `more`.
    for (;;) {
      const need = input.limit - kept.length + 1;
      const page = await this.deps.objects.searchObservables({
        query,
        tlpIn: input.tlp,
        limit: Math.min(Math.max(need, 64), 1000),
        next: cursor,
      });
      for (const hit of page.items) {
        if (!viewer.visible(hit.version)) continue;
        if (kept.length < input.limit) kept.push(hit);
        else {
          more = true;
          break;
        }
      }
      if (more || !page.more || page.next === undefined) break;
      cursor = page.next;
    }
    const hits = kept.map((h): SearchHit => {
      const o = h.version.object;
      const submitter = orgs.get(h.version.submitterOrgId);
      const matched = h.matched.map(shown);
      return {
        id: h.version.id,
        type: h.version.type,
        tlp: h.version.tlp,
        observable: matched[0]!,
        observables: matched,
        ...(str(o['name']) === undefined ? {} : { name: str(o['name']) }),
        created: str(o['created']) ?? h.version.version,
        modified: str(o['modified']) ?? h.version.version,
        revoked: o['revoked'] === true,
        expired: h.version.expiredAt !== undefined,
        ...(h.version.expiredAt === undefined ? {} : { expiredAt: h.version.expiredAt }),
        ...(!h.version.anonymous && submitter ? { sector: submitter.sector } : {}),
      };
    });
    const reported = await this.reported(kept, viewer, orgs);
    const last = kept[kept.length - 1];
    await this.auditRelease(principal, query.kind, kept);
    return {
      query: { kind: query.kind, value: query.value, match: query.match },
      hits: hits.map((h, k) => (reported[k] === undefined ? h : { ...h, reported: reported[k] })),
      count: hits.length,
      more,
      ...(more && last ? { next: last.position } : {}),
    };
  }

  /**
   * Each hit's other reports (ADR 0044), one store query for the page: the objects naming one of
   * its matched values exactly, kept only when the reader's Viewer lets them through, so a count
   * is the same as in a world without the objects the reader may not see.
   */
  private async reported(
    hits: readonly ObservableHit[],
    viewer: Viewer,
    orgs: ReadonlyMap<string, Org>,
  ): Promise<(Reported | undefined)[]> {
    const index = new Map<string, number>();
    const entries: IndexedObservable[] = [];
    const mine = hits.map((h) =>
      h.matched.map((e) => {
        const k = `${e.kind}|${e.key}|${e.algorithm}|${e.hi ?? ''}`;
        let n = index.get(k);
        if (n === undefined) {
          index.set(k, (n = entries.length));
          entries.push(e);
        }
        return n;
      }),
    );
    if (entries.length === 0) return hits.map(() => undefined);
    const found = await this.deps.objects.priorReports(entries, { submissions: [], ids: [] });
    // one verdict per release key: its reports are stored alike in what the verdict reads
    const visible = new Map<string, boolean>();
    for (const [key, v] of found.samples) visible.set(key, viewer.visible(v));
    const priors = found.reports.filter((p) => visible.get(p.releaseKey) === true);
    return hits.map((h, k) => {
      const wanted = new Set(mine[k]);
      let reports = 0;
      const sectors = new Set<string>();
      let first = '';
      let last = '';
      for (const p of priors) {
        if (p.id === h.version.id || !p.entries.some((n) => wanted.has(n))) continue;
        reports += 1;
        const sector = orgs.get(p.submitterOrgId)?.sector;
        if (sector !== undefined) sectors.add(sector);
        if (first === '' || p.firstAdded < first) first = p.firstAdded;
        if (p.dateAdded > last) last = p.dateAdded;
      }
      return reports === 0
        ? undefined
        : { reports, sectors: sectors.size, first_seen: first, last_seen: last };
    });
  }

  private async auditRelease(
    principal: Principal,
    kind: ObservableKind,
    hits: readonly ObservableHit[],
  ): Promise<void> {
    if (!this.deps.auditReads || hits.length === 0) return;
    await this.deps.audit.append([
      {
        at: this.deps.clock.now().toISOString(),
        actor: { orgId: principal.orgId, userId: principal.userId, keyId: principal.keyId },
        action: 'object.release',
        target: { kind: 'search', id: kind, orgId: principal.orgId },
        outcome: 'ok',
        details: { channel: 'search', count: hits.length, objects: hits.map((h) => h.version.id) },
      },
    ]);
  }
}
