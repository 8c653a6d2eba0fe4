import { TLP_LEVELS, type Clock, type Org, type Principal, type TlpLevel } from '@isac/kernel';
import {
  policyInput,
  type PolicyEngine,
  type PolicyInput,
  type StixObject,
  type Verdict,
} from '@isac/policy';
import type {
  Exercise,
  ExerciseStore,
  ObjectQuery,
  ObjectStore,
  ObjectVersion,
  OrgDirectory,
} from '@isac/store';
import { encodeCursor, exerciseScopeOf, exercisesById, isoToMicros } from '@isac/store';

/**
 * One reader's view of the store: every object version goes through the policy before it leaves,
 * released (redacted, anonymised) for the reader's organisation. The one gate of every read path.
 */
export class Viewer {
  constructor(
    private readonly deps: { policy: PolicyEngine; hub: { id: string }; now: Date },
    readonly reader: Org | undefined,
    private readonly orgs: ReadonlyMap<string, Org>,
    /** What this view serves (ADR 0026): exercise versions only, or live versions only. */
    private readonly exercise = false,
    /** The hub's exercises (ADR 0033): an exercise version reaches its exercise's participants only. */
    private readonly exercises: ReadonlyMap<string, Exercise> = new Map(),
  ) {}

  /** A version of the other kind (exercise in a live collection, live in an exercise one) is never seen. */
  private inScope(v: ObjectVersion): boolean {
    return v.exercise === this.exercise;
  }

  decide(v: ObjectVersion): Verdict | undefined {
    const submitter = this.orgs.get(v.submitterOrgId);
    if (!this.reader || !submitter || !this.inScope(v)) return undefined;
    return this.deps.policy.decide(this.input(v, this.reader, submitter));
  }

  /** The copy the reader may have, or undefined when the policy denies it. */
  release(v: ObjectVersion): StixObject | undefined {
    const submitter = this.orgs.get(v.submitterOrgId);
    if (!this.reader || !submitter || !this.inScope(v)) return undefined;
    const { object } = this.deps.policy.releaseFor(this.input(v, this.reader, submitter), {
      hub: this.deps.hub,
      submitterIdentityId: submitter.identityId,
    });
    return object && v.expiredAt !== undefined ? { ...object, ...expiryProperties(v) } : object;
  }

  visible(v: ObjectVersion): boolean {
    const verdict = this.decide(v);
    return verdict !== undefined && verdict.kind !== 'deny';
  }

  /**
   * The TLP levels of which another organisation's live object could be released to the reader:
   * each asked of the policy for an object in the reader's favour (the reader named, in the
   * submitter's sector). A coarse pre-filter for reads that would otherwise read every object of
   * a level the reader may never see; it only ever leaves out what `visible` would refuse.
   */
  reachableLevels(): TlpLevel[] {
    const reader = this.reader;
    if (!reader) return [];
    const other: Org = {
      ...reader,
      id: `${reader.id}\u0000other`,
      identityId: 'identity--00000000-0000-4000-8000-000000000000',
      tier: 'full',
      status: 'active',
      trial: undefined,
    };
    return TLP_LEVELS.filter((tlp) => {
      const verdict = this.deps.policy.decide(
        policyInput(
          {
            object: {
              type: 'indicator',
              spec_version: '2.1',
              id: 'indicator--00000000-0000-4000-8000-000000000000',
            },
            tlp,
            unknownMarkings: [],
            knownMarkings: [],
            anonymous: true,
            namedRecipients: [reader.id],
          },
          other,
          reader,
          this.deps.now,
        ),
      );
      return verdict.kind !== 'deny';
    });
  }

  private input(v: ObjectVersion, recipient: Org, submitter: Org): PolicyInput {
    return policyInput(v, submitter, recipient, this.deps.now, exerciseScopeOf(v, this.exercises));
  }
}

export class ViewerFactory {
  constructor(
    private readonly deps: {
      policy: PolicyEngine;
      hub: { id: string };
      clock: Clock;
      directory: OrgDirectory;
      exercises: ExerciseStore;
    },
  ) {}

  /** The principal's view of live objects, or (`exercise`) of exercise objects only. */
  async forPrincipal(p: Principal, exercise = false): Promise<Viewer> {
    const orgs = (await this.deps.directory.orgs()).byId;
    return new Viewer(
      { policy: this.deps.policy, hub: this.deps.hub, now: this.deps.clock.now() },
      orgs.get(p.orgId),
      orgs,
      exercise,
      // only an exercise view releases exercise versions: a live one never reads the table
      exercise ? await exercisesById(this.deps.exercises) : new Map(),
    );
  }
}

/** Where a TAXII page stands: `more`/`next` for the envelope, the dates for the X-TAXII-Date-Added headers. */
export interface PageMeta {
  readonly more: boolean;
  readonly next?: string | undefined;
  readonly firstAdded?: string | undefined;
  readonly lastAdded?: string | undefined;
}

/** The envelope and header values of a visible page. */
export function pageMeta(page: VisiblePage<unknown>): PageMeta {
  return {
    more: page.more,
    next: page.next,
    firstAdded: page.items[0]?.version.dateAdded,
    lastAdded: page.items[page.items.length - 1]?.version.dateAdded,
  };
}

export interface VisiblePage<T> {
  readonly items: readonly { readonly version: ObjectVersion; readonly out: T }[];
  readonly more: boolean;
  readonly next?: string | undefined;
}

/**
 * A page of up to `q.limit` items the reader may see, filtered before pagination: the store is
 * read in chunks until the page is full and one more visible item proves `more`, or the store is
 * exhausted. `next` is the position of the last returned item, so nothing is skipped or repeated,
 * and hidden items never show as `more`, a count or a date header.
 */
export async function visiblePage<T>(
  store: ObjectStore,
  collectionId: string,
  q: ObjectQuery,
  keep: (v: ObjectVersion) => T | undefined,
  visible: (v: ObjectVersion) => boolean,
): Promise<VisiblePage<T>> {
  const items: { version: ObjectVersion; out: T }[] = [];
  let cursor = q.next;
  for (;;) {
    const need = q.limit - items.length + 1;
    const page = await store.list(collectionId, {
      ...q,
      next: cursor,
      limit: Math.min(Math.max(need, 64), 5000),
    });
    for (const v of page.items) {
      if (items.length < q.limit) {
        const out = keep(v);
        if (out !== undefined) items.push({ version: v, out });
      } else if (visible(v)) {
        const last = items[items.length - 1]!.version;
        return { items, more: true, next: encodeCursor(isoToMicros(last.dateAdded)!) };
      }
    }
    if (!page.more || page.next === undefined) return { items, more: false };
    cursor = page.next;
  }
}

/**
 * How a read shows an expired indicator (ADR 0047): the released copy carries the hub's
 * `x_isac_expired: true`, when (`x_isac_expired_at`) and why (`x_isac_expired_by`: `valid_until`
 * | `decay`); the stored object stays as submitted.
 */
export function expiryProperties(v: ObjectVersion): Record<string, unknown> {
  return v.expiredAt === undefined
    ? {}
    : {
        x_isac_expired: true,
        x_isac_expired_at: v.expiredAt,
        x_isac_expired_by: v.expiredBy ?? 'valid_until',
      };
}
