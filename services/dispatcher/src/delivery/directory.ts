import type { Clock, Org, OrgId, Subscription } from '@isac/kernel';
import type { OrgStore, SubscriptionStore } from '@isac/store';

/**
 * Organisations and subscriptions as the dispatcher reads them for a fan-out: one read of each per
 * `cacheMs` (0: every job reads afresh), so 200 jobs a second do not each parse every org.
 */
export class Directory {
  private at = -Infinity;
  private orgs = new Map<OrgId, Org>();
  private subs: Subscription[] = [];
  private loading: Promise<void> | undefined;

  constructor(
    private readonly deps: { orgs: OrgStore; subscriptions: SubscriptionStore; clock: Clock; cacheMs: number },
  ) {}

  async snapshot(): Promise<{ orgs: ReadonlyMap<OrgId, Org>; subs: readonly Subscription[] }> {
    const now = Date.now();
    if (this.deps.cacheMs <= 0 || now - this.at > this.deps.cacheMs) {
      this.loading ??= this.load(now).finally(() => (this.loading = undefined));
      await this.loading;
    }
    return { orgs: this.orgs, subs: this.subs };
  }

  async org(id: OrgId): Promise<Org | undefined> {
    return (await this.snapshot()).orgs.get(id) ?? this.deps.orgs.get(id);
  }

  invalidate(): void {
    this.at = -Infinity;
  }

  private async load(now: number): Promise<void> {
    const [orgs, mqtt, email] = await Promise.all([this.deps.orgs.list(), this.deps.subscriptions.listByChannel('mqtt'), this.deps.subscriptions.listByChannel('email')]);
    this.orgs = new Map(orgs.map((o) => [o.id, o]));
    this.subs = [...mqtt, ...email];
    this.at = now;
  }
}
