import type { BlocklistPromotion, ObservableKind, OrgId, TlpLevel } from '@isac/kernel';
import type { BlocklistGate, GateHit, GateReason, PromotionReason } from '@isac/policy';
import { promotionOf } from '@isac/policy';
import { tlpRank, uuidV5 } from '@isac/stix';
import type { ObjectVersion } from '@isac/store';
import type { DispatcherConfig } from '../config.js';
import type { OutgoingMessage } from '../mqtt/mqtt-alert-publisher.js';
import { blocklistTopic } from '../mqtt/topics.js';
import type { AlertGroup, ReleasedItem } from './batch-plan.js';
import { partStarts, type EntryLists, type PartLimits } from './alert-chunks.js';
import { observablesOf } from '@isac/policy';

const DAY_MS = 86_400_000;

export { blocklistGateSettings } from '@isac/config';

/**
 * One block-list change for firewalls and UTMs. `expires_at`: the indicator's `valid_until`, else
 * now plus the kind's default (`blocklist.expiryDays`); a consumer drops an `add` at
 * that time even if no `remove` arrives. A `remove` carries the same rule's time, for reference.
 */
export interface BlocklistEntry {
  readonly op: 'add' | 'remove';
  readonly kind: ObservableKind;
  readonly value: string;
  /** File hashes: the algorithm (`SHA-256`, `MD5`, …). */
  readonly algorithm?: string;
  readonly indicator_id: string;
  readonly expires_at: string;
  /** Why a `remove`: the indicator was revoked, or is past its `valid_until`. */
  readonly reason?: 'revoked' | 'expired';
  /** The indicator's TLP as released to this recipient. */
  readonly tlp: TlpLevel;
}

/**
 * An observable of a live indicator kept off the block lists, and why (both languages): by the
 * gate, or by its submitter's promotion rules (below its threshold, waiting for approval: ADR 0030).
 */
export interface GateRefusal {
  readonly position: number;
  readonly indicatorId: string;
  readonly kind: ObservableKind;
  readonly value: string;
  /** File hashes: the algorithm. */
  readonly algorithm?: string | undefined;
  readonly reason: GateReason | PromotionReason;
  /** `8.8.8.8 is a public DNS resolver: Google Public DNS (warning list: public-dns)`. */
  readonly message: string;
  readonly messageJa: string;
  readonly list?: GateHit;
}

/** The entries of one (recipient, kind, exercise or live) from one batch, before chunking. */
export interface BlocklistMessage {
  readonly orgId: OrgId;
  readonly kind: ObservableKind;
  readonly exercise: boolean;
  /** The strictest TLP among its entries. */
  readonly tlp: TlpLevel;
  readonly entries: readonly BlocklistEntry[];
  /** Each entry's JSON, made once per batch and shared by every recipient. */
  readonly entryJson: readonly string[];
  /** Positions of the indicators its entries came from, ascending. */
  readonly positions: readonly number[];
}

interface Derived {
  readonly entries: readonly {
    readonly entry: Omit<BlocklistEntry, 'tlp'>;
    /** The entry and its JSON at each TLP it was released at, made once. */
    readonly atTlp: Map<TlpLevel, { readonly entry: BlocklistEntry; readonly json: string }>;
  }[];
  readonly refused: readonly GateRefusal[];
}

/**
 * Block-list entries of a batch (issue 14, section 3), pure. Built once per batch: what each
 * indicator adds or removes and what the gate refused is worked out once per version and shared
 * by every recipient of it. Only indicators a recipient got over MQTT make its entries; a live
 * indicator adds only the observables the gate lets through, a revoked or expired one removes
 * every valid observable (removing what a firewall does not hold is harmless; keeping what should
 * go is not). Exercise indicators make exercise messages only.
 */
export class BlocklistPlanner {
  /** By batch position. */
  private readonly derived: (Derived | undefined)[] = [];
  /** Per items list: its refusals by index (`refusalsByIndex`). */
  private readonly byList = new WeakMap<readonly ReleasedItem[], EntryLists | undefined>();

  constructor(
    private readonly gate: BlocklistGate,
    private readonly settings: Pick<DispatcherConfig['blocklist'], 'enabled' | 'expiryDays'>,
    private readonly now: Date,
    /** A submitting organisation's promotion rules (ADR 0030); none: what passes the gate is promoted. */
    private readonly promotion: (orgId: OrgId) => BlocklistPromotion | undefined = () => undefined,
  ) {}

  /** One message per (kind, exercise) for a recipient's MQTT alerts; none when block lists are off. */
  forRecipient(orgId: OrgId, groups: readonly AlertGroup[]): BlocklistMessage[] {
    if (!this.settings.enabled) return [];
    const byKey = new Map<
      string,
      {
        kind: ObservableKind;
        exercise: boolean;
        tlp: TlpLevel;
        entries: BlocklistEntry[];
        json: string[];
        positions: number[];
      }
    >();
    for (const g of groups)
      for (const item of g.items) {
        const d = this.derive(item);
        if (d.entries.length === 0) continue;
        for (const { entry, atTlp } of d.entries) {
          const key = `${g.exercise ? 'x' : ''}${entry.kind}`;
          let m = byKey.get(key);
          if (!m)
            byKey.set(
              key,
              (m = {
                kind: entry.kind,
                exercise: g.exercise,
                tlp: item.tlp,
                entries: [],
                json: [],
                positions: [],
              }),
            );
          let e = atTlp.get(item.tlp);
          if (e === undefined) {
            const full: BlocklistEntry = { ...entry, tlp: item.tlp };
            atTlp.set(item.tlp, (e = { entry: full, json: JSON.stringify(full) }));
          }
          m.entries.push(e.entry);
          m.json.push(e.json);
          if (m.positions[m.positions.length - 1] !== item.position) m.positions.push(item.position);
          if (tlpRank(item.tlp) > tlpRank(m.tlp)) m.tlp = item.tlp;
        }
      }
    return [...byKey.values()].map((m) => ({
      orgId,
      kind: m.kind,
      exercise: m.exercise,
      tlp: m.tlp,
      entries: m.entries,
      entryJson: m.json,
      positions: m.positions.sort((a, b) => a - b),
    }));
  }

  /**
   * The observables of live indicators among `items` that the gate kept off the block lists, with
   * the reason: for the submitter's status ("not added to block lists: …") and for the alert that
   * carries them. Empty when block lists are off.
   */
  refusals(items: readonly Pick<ReleasedItem, 'position' | 'version'>[]): GateRefusal[] {
    if (!this.settings.enabled) return [];
    const out: GateRefusal[] = [];
    for (const item of items) out.push(...this.derive(item).refused);
    return out;
  }

  /**
   * `refusals(items)` as an alert lists them: each object's refusals as JSON, by its index in
   * `items`; undefined when there are none. Once per list (alike recipients share one).
   */
  refusalsByIndex(items: readonly ReleasedItem[]): EntryLists | undefined {
    if (this.byList.has(items)) return this.byList.get(items);
    let out: Map<number, string[]> | undefined;
    if (items.some((i) => i.version.type === 'indicator')) {
      const found = this.refusals(items);
      if (found.length > 0) {
        const index = new Map(items.map((it, k) => [it.position, k]));
        out = new Map();
        for (const r of found) {
          const k = index.get(r.position)!;
          const entries = out.get(k) ?? [];
          entries.push(refusalJson(r));
          out.set(k, entries);
        }
      }
    }
    this.byList.set(items, out);
    return out;
  }

  private derive(item: Pick<ReleasedItem, 'position' | 'version'>): Derived {
    const v = item.version;
    let d = this.derived[item.position];
    if (d) return d;
    d = { entries: [], refused: [] };
    if (v.type === 'indicator') {
      const observables = observablesOf(v.object);
      const validUntil = typeof v.object['valid_until'] === 'string' ? v.object['valid_until'] : undefined;
      const op = opOf(v, validUntil, this.now);
      const entries: Derived['entries'][number][] = [];
      const refused: GateRefusal[] = [];
      // the submitter's rules hold back what the gate passes; a removal is never held back
      const promotion = op.op === 'add' ? promotionOf(v.object, this.promotion(v.submitterOrgId)) : undefined;
      for (const o of observables) {
        const verdict = this.gate.check(o);
        if (verdict.ok && promotion && !promotion.ok) {
          refused.push({
            position: item.position,
            indicatorId: v.id,
            kind: o.kind,
            value: o.value,
            ...(o.algorithm !== undefined ? { algorithm: o.algorithm } : {}),
            reason: promotion.reason,
            message: promotion.message,
            messageJa: promotion.messageJa,
          });
          continue;
        }
        if (!verdict.ok && (op.op === 'add' || verdict.reason === 'invalid')) {
          if (op.op === 'add')
            refused.push({
              position: item.position,
              indicatorId: v.id,
              kind: o.kind,
              value: o.value,
              reason: verdict.reason,
              message: verdict.message,
              messageJa: verdict.messageJa,
              ...(verdict.list ? { list: verdict.list } : {}),
            });
          continue;
        }
        const expires = entryExpiry(v, o.kind, this.settings.expiryDays, this.now);
        entries.push({
          entry: {
            op: op.op,
            kind: o.kind,
            value: o.value,
            ...(o.algorithm !== undefined ? { algorithm: o.algorithm } : {}),
            indicator_id: v.id,
            expires_at: expires,
            ...(op.reason ? { reason: op.reason } : {}),
          },
          atTlp: new Map(),
        });
      }
      d = { entries, refused };
    }
    this.derived[item.position] = d;
    return d;
  }
}

/**
 * When a block-list entry of this version's observable of `kind` expires (issue 14.3): the
 * indicator's `valid_until`, else the kind's default (`blocklist.expiryDays`) counted from the
 * version's acceptance (`dateAdded`; `fallback` when it has none). The add carries it as
 * `expires_at`, the `expire_blocklist` job runs then, and a retraction after it leaves the
 * removal to that job: both compute the same instant, so exactly one of them removes. A version
 * the expiry sweep found decayed below the threshold earlier (ADR 0047) expires at that instant.
 */
export function entryExpiry(
  v: Pick<ObjectVersion, 'object' | 'dateAdded' | 'expiredAt'>,
  kind: ObservableKind,
  expiryDays: DispatcherConfig['blocklist']['expiryDays'],
  fallback: Date,
): string {
  const until = v.object['valid_until'];
  const from = Date.parse(v.dateAdded);
  const at =
    typeof until === 'string'
      ? until
      : new Date((Number.isNaN(from) ? fallback.getTime() : from) + expiryDays[kind] * DAY_MS).toISOString();
  // decayed below the threshold earlier (ADR 0047): the sweep brought the expiry jobs forward to then
  const decayed = v.expiredAt;
  return decayed !== undefined && Date.parse(decayed) < Date.parse(at) ? decayed : at;
}

function opOf(
  v: ObjectVersion,
  validUntil: string | undefined,
  now: Date,
): { op: 'add' | 'remove'; reason?: 'revoked' | 'expired' } {
  if (v.object['revoked'] === true) return { op: 'remove', reason: 'revoked' };
  if (validUntil !== undefined && Date.parse(validUntil) <= now.getTime())
    return { op: 'remove', reason: 'expired' };
  return { op: 'add' };
}

/** Namespace of block-list message ids. */
export const BLOCKLIST_NAMESPACE = '3c9e51f2-7a4b-5d8c-8e6f-1b2a3c4d5e6f';

/** A block-list message's id: the same for a (batch, recipient, kind, exercise) on every retry. */
export function blocklistMessageId(
  batchId: number | string,
  orgId: OrgId,
  kind: string,
  exercise: boolean,
): string {
  return uuidV5(BLOCKLIST_NAMESPACE, `${batchId}\u0000${orgId}\u0000${kind}\u0000${exercise ? 'x' : ''}`);
}

/** One part of a block-list message: one MQTT message. */
export interface BlocklistPart {
  readonly part: number;
  readonly parts: number;
  /** The part holds `entries[from, to)`. */
  readonly from: number;
  readonly to: number;
  readonly bytes: number;
  readonly message: OutgoingMessage;
}

/**
 * The parts of a block-list message, chunked like alerts (`partStarts`): each part is
 * `{ message_id, part, parts, kind, exercise, entries: [...] }` on `…/blocklist/{kind}` (exercise:
 * `…/exercise/blocklist/{kind}`), with MQTT 5 user properties `messageId`, `part`, `parts`,
 * `kind`, `tlp`, `exercise`.
 */
export function blocklistParts(m: BlocklistMessage, messageId: string, limits: PartLimits): BlocklistPart[] {
  if (m.entries.length === 0) return [];
  const topic = blocklistTopic(m.orgId, m.kind, m.exercise);
  const exercise = m.exercise ? 'true' : 'false';
  const head = (part: number, parts: number) =>
    `{"message_id":${JSON.stringify(messageId)},"part":${part},"parts":${parts},"kind":${JSON.stringify(m.kind)},"exercise":${exercise},"entries":[`;
  const most = m.entries.length;
  const envelope = Buffer.byteLength(head(most, most)) + 2;
  const starts = partStarts(
    m.entryJson.map((j) => Buffer.byteLength(j)),
    limits,
    envelope,
  );
  const parts = starts.length;
  return starts.map((from, i) => {
    const to = i + 1 < parts ? starts[i + 1]! : m.entries.length;
    const payload = `${head(i + 1, parts)}${m.entryJson.slice(from, to).join(',')}]}`;
    return {
      part: i + 1,
      parts,
      from,
      to,
      bytes: Buffer.byteLength(payload),
      message: {
        topic,
        payload,
        contentType: 'application/json',
        userProperties: {
          messageId,
          part: String(i + 1),
          parts: String(parts),
          kind: m.kind,
          tlp: m.tlp,
          exercise,
        },
      },
    };
  });
}

/**
 * The `remove` messages of one indicator version for one organisation, grouped by kind like a
 * batch's (issue 14.3, 14.4): every valid observable of `v` whose kind `keep` accepts, with the
 * reason. For a retraction (`revoked`) or an expiry (`expired`), sent to the organisations that
 * got the add; removing what a firewall does not hold is harmless.
 */
export function removalMessages(
  gate: BlocklistGate,
  i: {
    readonly orgId: OrgId;
    readonly version: Pick<ObjectVersion, 'id' | 'object'>;
    readonly tlp: TlpLevel;
    readonly exercise: boolean;
    readonly reason: 'revoked' | 'expired';
    readonly expiresAt: (kind: ObservableKind) => string;
    readonly keep?: ((kind: ObservableKind) => boolean) | undefined;
  },
): BlocklistMessage[] {
  const byKind = new Map<ObservableKind, { entries: BlocklistEntry[]; json: string[] }>();
  for (const o of observablesOf(i.version.object)) {
    if (i.keep && !i.keep(o.kind)) continue;
    const verdict = gate.check(o);
    if (!verdict.ok && verdict.reason === 'invalid') continue;
    const entry: BlocklistEntry = {
      op: 'remove',
      kind: o.kind,
      value: o.value,
      ...(o.algorithm !== undefined ? { algorithm: o.algorithm } : {}),
      indicator_id: i.version.id,
      expires_at: i.expiresAt(o.kind),
      reason: i.reason,
      tlp: i.tlp,
    };
    let m = byKind.get(o.kind);
    if (!m) byKind.set(o.kind, (m = { entries: [], json: [] }));
    m.entries.push(entry);
    m.json.push(JSON.stringify(entry));
  }
  return [...byKind].map(([kind, m]) => ({
    orgId: i.orgId,
    kind,
    exercise: i.exercise,
    tlp: i.tlp,
    entries: m.entries,
    entryJson: m.json,
    positions: [0],
  }));
}

/** One refusal as the alert lists it (`x_isac_alert.blocklist_refusals`). */
function refusalJson(r: GateRefusal): string {
  return JSON.stringify({
    indicator_id: r.indicatorId,
    kind: r.kind,
    value: r.value,
    reason: r.reason,
    message: r.message,
    message_ja: r.messageJa,
  });
}
