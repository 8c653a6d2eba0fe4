import type { Clock, ObservableKind, Org, Principal } from '@isac/kernel';
import { observablesOf, promotionOf } from '@isac/policy';
import { indexEntry } from '@isac/stix';
import type { ApprovalStore, AuditLog, ObjectStore, ObjectVersion, OrgDirectory } from '@isac/store';
import type { BlocklistCheck } from '../ingest/blocklist-note.js';
import type { ViewerFactory } from '../shared/viewer.js';
import {
  CSV_MEDIA_TYPE,
  TEXT_MEDIA_TYPE,
  csvList,
  etagOf,
  exportKindOf,
  textList,
  type ExportEntry,
  type ExportKind,
} from './export-formats.js';
import { SURICATA_MEDIA_TYPE, suricataRules } from './suricata-rules.js';

const DAY_MS = 86_400_000;

export type ExportRequest =
  | { readonly format: 'list'; readonly kind: ExportKind; readonly header: boolean }
  | { readonly format: 'csv'; readonly kind?: ExportKind | undefined }
  | { readonly format: 'suricata' };

export interface ExportAnswer {
  readonly body: string;
  readonly type: string;
  readonly etag: string;
  /** Values (lists), rows (CSV) or rules' entries (Suricata) in it. */
  readonly count: number;
  /** The indicators it releases values of, sorted. */
  readonly objects: readonly string[];
}

/** Network kinds: what Suricata rules are made of. */
const NETWORK: ReadonlySet<ExportKind> = new Set(['ipv4', 'ipv6', 'cidr', 'domain', 'url']);

/**
 * The exports for firewalls and IDS (ADR 0043): what the caller's organisation may put on its
 * block lists, read from the store each time. An entry is one normalised value of the latest
 * version of a live indicator the organisation may see (the Viewer: the one policy of every read
 * path; the released copy's pattern, so a granular redaction of the pattern leaves nothing), not
 * revoked, not past its expiry (`valid_until`, else acceptance + `blocklist.expiryDays` of its
 * kind, as the MQTT feed computes it), that the block-list gate lets through and that its
 * submitter's promotion rules promote (ADR 0030: below the threshold never; awaiting approval
 * only once a hub analyst approved that version). Exercise versions never.
 */
export class ExportsService {
  /** The last entity tag audited per (credential, request): an unchanged body is not a new release. */
  private readonly audited = new Map<string, string>();

  constructor(
    private readonly deps: {
      objects: ObjectStore;
      approvals: ApprovalStore;
      viewers: ViewerFactory;
      directory: OrgDirectory;
      /** The live collections exports read (readable, not exercise collections). */
      collectionIds: () => readonly string[];
      gate: BlocklistCheck;
      expiryDays: Readonly<Record<ObservableKind, number>>;
      audit: AuditLog;
      clock: Clock;
      auditReads: boolean;
    },
  ) {}

  async export(principal: Principal, req: ExportRequest): Promise<ExportAnswer> {
    const entries = await this.entries(principal);
    let body: string;
    let type: string;
    let chosen: readonly ExportEntry[];
    switch (req.format) {
      case 'list':
        chosen = entries.filter((e) => e.kind === req.kind);
        body = textList(req.kind, chosen, { header: req.header ? { orgId: principal.orgId } : undefined });
        type = TEXT_MEDIA_TYPE;
        break;
      case 'csv':
        chosen = req.kind === undefined ? entries : entries.filter((e) => e.kind === req.kind);
        body = csvList(chosen);
        type = CSV_MEDIA_TYPE;
        break;
      case 'suricata':
        chosen = entries.filter((e) => NETWORK.has(e.kind));
        body = suricataRules(chosen, { orgId: principal.orgId });
        type = SURICATA_MEDIA_TYPE;
        break;
    }
    const objects = [...new Set(chosen.map((e) => e.indicatorId))].sort();
    return { body, type, etag: etagOf(body), count: chosen.length, objects };
  }

  /**
   * Records a served export (`object.release`, channel `export`) when its body differs from the
   * one this credential was last given for the same request: a poller asking every minute for an
   * unchanged list adds nothing to the log.
   */
  async auditServed(principal: Principal, req: ExportRequest, answer: ExportAnswer): Promise<void> {
    if (!this.deps.auditReads) return;
    const what = req.format === 'suricata' ? 'suricata' : `${req.format}:${req.kind ?? 'all'}`;
    const key = `${principal.orgId}\u0000${principal.userId ?? ''}\u0000${principal.keyId ?? ''}\u0000${what}`;
    if (this.audited.get(key) === answer.etag) return;
    await this.deps.audit.append([
      {
        at: this.deps.clock.now().toISOString(),
        actor: { orgId: principal.orgId, userId: principal.userId, keyId: principal.keyId },
        action: 'object.release',
        target: { kind: 'export', id: what, orgId: principal.orgId },
        outcome: 'ok',
        details: { channel: 'export', count: answer.count, etag: answer.etag, objects: answer.objects },
      },
    ]);
    this.audited.set(key, answer.etag);
  }

  /** Every entry the organisation may block now. */
  async entries(principal: Principal): Promise<ExportEntry[]> {
    const now = this.deps.clock.now();
    const viewer = await this.deps.viewers.forPrincipal(principal);
    const orgs = (await this.deps.directory.orgs()).byId;
    const out: ExportEntry[] = [];
    for (const collectionId of this.deps.collectionIds()) {
      let next: string | undefined;
      for (;;) {
        const page = await this.deps.objects.list(collectionId, {
          limit: 5000,
          next,
          match: { type: ['indicator'], version: ['last'] },
        });
        for (const v of page.items) {
          out.push(...(await this.entriesOf(v, viewer, orgs, now)));
        }
        if (!page.more || page.next === undefined) break;
        next = page.next;
      }
    }
    return out;
  }

  private async entriesOf(
    v: ObjectVersion,
    viewer: { release(v: ObjectVersion): Readonly<Record<string, unknown>> | undefined },
    orgs: ReadonlyMap<string, Org>,
    now: Date,
  ): Promise<ExportEntry[]> {
    if (v.exercise || v.type !== 'indicator') return [];
    const released = viewer.release(v);
    if (!released || released['revoked'] === true) return [];
    // expired by the sweep (ADR 0047: valid_until or decayed below the threshold): off the lists, as the removals
    if (v.expiredAt !== undefined && !(Date.parse(v.expiredAt) > now.getTime())) return [];
    const validUntil = typeof released['valid_until'] === 'string' ? released['valid_until'] : undefined;
    if (validUntil !== undefined && !(Date.parse(validUntil) > now.getTime())) return [];
    const observables = observablesOf(released);
    if (observables.length === 0) return [];
    const promotion = promotionOf(v.object, orgs.get(v.submitterOrgId)?.blocklist);
    if (!promotion.ok) {
      if (promotion.reason !== 'awaiting-approval') return [];
      const approved = (await this.deps.approvals.forIndicator(v.id)).some(
        (a) => a.version === v.version && a.state === 'approved' && !a.exercise,
      );
      if (!approved) return [];
    }
    const out: ExportEntry[] = [];
    const seen = new Set<string>();
    for (const o of observables) {
      if (!this.deps.gate.check(o).ok) continue;
      const indexed = indexEntry(o);
      const shown = indexed && exportKindOf(indexed);
      if (!shown) continue;
      const expiresAt = validUntil ?? this.defaultExpiry(v, o.kind, now);
      if (!(Date.parse(expiresAt) > now.getTime())) continue;
      const k = `${shown.kind}\u0000${shown.value}`;
      if (seen.has(k)) continue;
      seen.add(k);
      out.push({
        kind: shown.kind,
        value: shown.value,
        indicatorId: v.id,
        version: v.version,
        tlp: v.tlp,
        expiresAt,
      });
    }
    return out;
  }

  /** Acceptance + the kind's default lifetime: the instant the MQTT feed's `expire_blocklist` job removes it (ADR 0028). */
  private defaultExpiry(v: ObjectVersion, kind: ObservableKind, now: Date): string {
    const from = Date.parse(v.dateAdded);
    return new Date(
      (Number.isNaN(from) ? now.getTime() : from) + this.deps.expiryDays[kind] * DAY_MS,
    ).toISOString();
  }
}
