import {
  isIanaTimeZone,
  NotFoundError,
  ValidationError,
  type Clock,
  type IdGenerator,
  type OrgId,
  type Principal,
  type Subscription,
} from '@isac/kernel';
import type { AuditBody, AuditLog, OrgStore, SubscriptionStore } from '@isac/store';
import { actorOf, noSuchOrg, type Access } from '@isac/auth';
import type { CreateSubscriptionBody } from '@isac/api';

/**
 * What an organisation wants pushed, and where. MQTT subscriptions go to the org's own topics,
 * so any of its principals with the `subscribe` scope may manage them; email subscriptions send
 * to addresses given here, so only an org-admin (or a hub administrator) may create them.
 */
export class SubscriptionsService {
  constructor(
    private readonly deps: {
      subscriptions: SubscriptionStore;
      orgs: OrgStore;
      audit: AuditLog;
      clock: Clock;
      ids: IdGenerator;
      access: Access;
    },
  ) {}

  async create(p: Principal, orgId: OrgId, input: CreateSubscriptionBody): Promise<Subscription> {
    this.requireSubscriber(p, orgId);
    if (input.channel === 'email') {
      this.deps.access.requireOrgAdmin(p, orgId);
      if (!input.email)
        throw new ValidationError('an email subscription needs email.to', [
          { path: '/email', message: 'email is required for the email channel', rule: 'required' },
        ]);
    } else if (input.email) {
      throw new ValidationError('email settings apply to the email channel only', [
        { path: '/email', message: 'email applies to the email channel only' },
      ]);
    }
    const timeZone = input.email?.timeZone;
    if (timeZone !== undefined && !isIanaTimeZone(timeZone))
      throw new ValidationError(
        `email.timeZone: unknown time zone ${JSON.stringify(timeZone)}; use an IANA name such as Asia/Tokyo / email.timeZone: 不明なタイムゾーンです（Asia/Tokyo のような IANA 名を指定してください）`,
        [
          {
            path: '/email/timeZone',
            message: 'must be an IANA time zone name such as Asia/Tokyo',
            rule: 'time-zone',
          },
        ],
      );
    if (!(await this.deps.orgs.get(orgId))) throw noSuchOrg(orgId);
    const sub: Subscription = {
      id: this.deps.ids.uuid(),
      orgId,
      channel: input.channel,
      filters: input.filters ?? {},
      ...(input.email
        ? {
            email: {
              to: input.email.to,
              mode: input.email.mode ?? 'immediate',
              lang: input.email.lang ?? 'ja',
              ...(timeZone !== undefined ? { timeZone } : {}),
            },
          }
        : {}),
      createdAt: this.deps.clock.now().toISOString(),
    };
    await this.deps.subscriptions.create(sub);
    await this.audit(p, sub, {
      action: 'subscription.create',
      details: { channel: sub.channel, ...(sub.email ? { to: sub.email.to } : {}) },
    });
    return sub;
  }

  async list(p: Principal, orgId: OrgId): Promise<Subscription[]> {
    this.deps.access.requireMember(p, orgId);
    return this.deps.subscriptions.listForOrg(orgId);
  }

  async get(p: Principal, orgId: OrgId, id: string): Promise<Subscription> {
    this.deps.access.requireMember(p, orgId);
    const sub = await this.deps.subscriptions.get(orgId, id);
    if (!sub) throw new NotFoundError(`subscription ${id} not found`);
    return sub;
  }

  async remove(p: Principal, orgId: OrgId, id: string): Promise<void> {
    const sub = await this.get(p, orgId, id);
    this.requireSubscriber(p, orgId);
    if (sub.channel === 'email') this.deps.access.requireOrgAdmin(p, orgId);
    await this.deps.subscriptions.remove(orgId, id);
    await this.audit(p, sub, { action: 'subscription.delete', details: { channel: sub.channel } });
  }

  private requireSubscriber(p: Principal, orgId: OrgId): void {
    this.deps.access.requireMember(p, orgId);
    if (!this.deps.access.isHubAdmin(p) && !p.scopes.includes('subscribe'))
      this.deps.access.requireScope(p, 'subscribe');
  }

  private async audit(
    p: Principal,
    sub: Subscription,
    e: AuditBody<'subscription.create' | 'subscription.delete'>,
  ): Promise<void> {
    await this.deps.audit.append([
      {
        at: this.deps.clock.now().toISOString(),
        actor: actorOf(p),
        target: { kind: 'subscription', id: sub.id, orgId: sub.orgId },
        outcome: 'ok',
        ...e,
      },
    ]);
  }
}
