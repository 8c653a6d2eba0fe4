import type { Org, OrgId, Subscription } from '@isac/kernel';
import type { OrgStore, SubscriptionStore } from './ports/membership.js';

/** Every organisation, by id and by STIX identity id. Read-only: the same maps serve every reader. */
export interface OrgIndex {
  readonly byId: ReadonlyMap<OrgId, Org>;
  readonly byIdentity: ReadonlyMap<string, Org>;
}

/** One cached read: reloaded when the store's revision counter moves (or always, when not caching). */
class Cached<T> {
  private revision: number | undefined;
  private value: T | undefined;
  private loading: Promise<T> | undefined;

  constructor(
    private readonly revisionOf: () => Promise<number>,
    private readonly load: () => Promise<T>,
    private readonly cache: boolean,
  ) {}

  async get(): Promise<T> {
    const rev = await this.revisionOf();
    if (this.cache && rev === this.revision && this.value !== undefined) return this.value;
    this.loading ??= this.load()
      .then((v) => {
        // Read before the load began: a change during the load is seen at the next get().
        this.revision = rev;
        this.value = v;
        return v;
      })
      .finally(() => (this.loading = undefined));
    return this.loading;
  }
}

/**
 * The organisation directory (ADR 0008): organisations and push subscriptions as the services
 * read them on every request and every job, kept in memory and reloaded when the store's revision
 * counters move. A check is one small read per call; a suspension or a new subscription written
 * by any process takes effect on the very next request or delivery. TAXII (reads, ingest, the
 * explanation) and the dispatcher share this one implementation.
 */
export class OrgDirectory {
  private readonly orgIndex: Cached<OrgIndex>;
  private readonly subs: Cached<readonly Subscription[]>;

  constructor(deps: {
    readonly orgs: OrgStore;
    readonly subscriptions: SubscriptionStore;
    /** False: read the store on every call (tests that change rows behind the store's back). Default true. */
    readonly cache?: boolean | undefined;
  }) {
    const cache = deps.cache ?? true;
    this.orgIndex = new Cached(
      () => deps.orgs.revision(),
      async () => {
        const all = await deps.orgs.list();
        return {
          byId: new Map(all.map((o) => [o.id, o])),
          byIdentity: new Map(all.map((o) => [o.identityId, o])),
        };
      },
      cache,
    );
    this.subs = new Cached(
      () => deps.subscriptions.revision(),
      async () => {
        const [mqtt, email] = await Promise.all([
          deps.subscriptions.listByChannel('mqtt'),
          deps.subscriptions.listByChannel('email'),
        ]);
        return [...mqtt, ...email];
      },
      cache,
    );
  }

  /** Every organisation. */
  orgs(): Promise<OrgIndex> {
    return this.orgIndex.get();
  }

  /** Every push subscription (MQTT, then email). */
  subscriptions(): Promise<readonly Subscription[]> {
    return this.subs.get();
  }

  /** Both, checked side by side (what a fan-out needs). */
  async snapshot(): Promise<{ orgs: OrgIndex; subs: readonly Subscription[] }> {
    const [orgs, subs] = await Promise.all([this.orgs(), this.subscriptions()]);
    return { orgs, subs };
  }
}
