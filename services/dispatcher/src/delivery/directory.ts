import type { Org, OrgId, Subscription } from '@isac/kernel';
import type { OrgStore, SubscriptionStore } from '@isac/store';

/**
 * Organisations and subscriptions as the dispatcher reads them for a fan-out. They are kept in
 * memory and reloaded when the store's revision counters move (one small read per job), so 200
 * jobs a second do not each parse every org, and a suspension or a new subscription takes effect
 * on the very next delivery. `cacheMs` <= 0 reloads on every job.
 */
export class Directory {
  private revision: string | undefined;
  private orgs = new Map<OrgId, Org>();
  private subs: Subscription[] = [];
  private loading: Promise<void> | undefined;

  constructor(private readonly deps: { orgs: OrgStore; subscriptions: SubscriptionStore; cacheMs: number }) {}

  async snapshot(): Promise<{ orgs: ReadonlyMap<OrgId, Org>; subs: readonly Subscription[] }> {
    const [o, s] = await Promise.all([this.deps.orgs.revision(), this.deps.subscriptions.revision()]);
    const revision = `${o}:${s}`;
    if (this.deps.cacheMs <= 0 || revision !== this.revision) {
      this.loading ??= this.load(revision).finally(() => (this.loading = undefined));
      await this.loading;
    }
    return { orgs: this.orgs, subs: this.subs };
  }

  private async load(revision: string): Promise<void> {
    const [orgs, mqtt, email] = await Promise.all([
      this.deps.orgs.list(),
      this.deps.subscriptions.listByChannel('mqtt'),
      this.deps.subscriptions.listByChannel('email'),
    ]);
    this.orgs = new Map(orgs.map((o) => [o.id, o]));
    this.subs = [...mqtt, ...email];
    this.revision = revision;
  }
}
