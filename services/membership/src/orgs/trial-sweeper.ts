import type { Clock, Logger, Org } from '@isac/kernel';
import { jobKeys, type AuditLog, type JobStore, type OrgStore } from '@isac/store';
import { NO_GRACE, orgStanding, type StandingRules } from '@isac/auth';

const DAY_MS = 86_400_000;

/**
 * The trial lifecycle that needs no one to act: reminders before the end (a `notify` job the
 * dispatcher renders in Japanese and English for the org's contacts) and one audit record when a
 * trial lapses, that is when its grace period (if any) is over too. Lapsed trials already receive
 * nothing: the authenticator and the policy ask `orgStanding` on every request and delivery, as
 * this sweeper does, so nothing here changes the organisation.
 */
export class TrialSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly deps: {
      orgs: OrgStore;
      jobs: JobStore;
      audit: AuditLog;
      clock: Clock;
      log: Logger;
      reminderDaysBefore: readonly number[];
      intervalMs: number;
      /** The policy's trial grace period; none when absent. */
      standing?: StandingRules | undefined;
      /** Wakes the dispatcher of this process after a `provision_mqtt` job is queued. */
      jobsReady?: { notify(): void } | undefined;
    },
  ) {}

  start(): void {
    if (this.timer) return;
    const tick = (): void => {
      if (this.running) return;
      this.running = this.sweep()
        .catch((err: unknown) => this.deps.log.warn({ err }, 'trial sweep failed; retrying on the next tick'))
        .finally(() => {
          this.running = undefined;
        });
    };
    this.timer = setInterval(tick, this.deps.intervalMs);
    this.timer.unref();
    tick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One pass over the trial members; safe to repeat (reminder jobs and expiry records are idempotent). */
  async sweep(): Promise<{ reminders: number; expired: number }> {
    const now = this.deps.clock.now();
    let reminders = 0;
    let expired = 0;
    for (const org of await this.deps.orgs.list()) {
      if (org.tier !== 'trial' || !org.trial) continue;
      const standing = orgStanding(org, now, this.deps.standing ?? NO_GRACE);
      if (!standing.ok) {
        if (standing.reason === 'trial_ended' && (await this.recordExpiry(org, now))) expired += 1;
        continue;
      }
      // In the grace period the trial has ended already: nothing left to remind of.
      if (standing.grace) continue;
      if (await this.remind(org, org.trial.endsAt, Date.parse(org.trial.endsAt), now)) reminders += 1;
    }
    return { reminders, expired };
  }

  /** The reminder for the nearest threshold already reached; a late sweep sends one reminder, not several. */
  private async remind(org: Org, endsAt: string, end: number, now: Date): Promise<boolean> {
    const msLeft = end - now.getTime();
    const reached = this.deps.reminderDaysBefore.filter((d) => msLeft <= d * DAY_MS);
    if (reached.length === 0) return false;
    const threshold = Math.min(...reached);
    const daysLeft = Math.ceil(msLeft / DAY_MS);
    const outcome = await this.deps.jobs.enqueue(
      {
        kind: 'notify',
        key: jobKeys.trialReminder(org.id, endsAt, threshold),
        payload: { template: 'trial_reminder', orgId: org.id, daysLeft, endsAt },
      },
      now,
    );
    if (outcome === 'inserted') {
      await this.deps.audit.append([
        {
          at: now.toISOString(),
          actor: { system: true },
          action: 'org.trial_reminder',
          target: { kind: 'org', id: org.id, orgId: org.id },
          outcome: 'ok',
          details: { daysLeft, endsAt },
        },
      ]);
      this.deps.log.info({ orgId: org.id, daysLeft }, 'trial reminder queued');
    }
    return outcome === 'inserted';
  }

  private async recordExpiry(org: Org, now: Date): Promise<boolean> {
    const endsAt = org.trial?.endsAt;
    const previous = await this.deps.audit.list({ orgId: org.id, action: 'org.trial_expired', limit: 1000 });
    if (
      previous.some(
        (r) => r.action === 'org.trial_expired' && r.target.orgId === org.id && r.details.endsAt === endsAt,
      )
    )
      return false;
    await this.deps.audit.append([
      {
        at: now.toISOString(),
        actor: { system: true },
        action: 'org.trial_expired',
        target: { kind: 'org', id: org.id, orgId: org.id },
        outcome: 'ok',
        details: { endsAt },
      },
    ]);
    // an external broker disables the organisation's client (the embedded one closes its
    // connections at the instant itself, ADR 0021)
    if (org.mqttCredential) {
      await this.deps.jobs.enqueue(
        {
          kind: 'provision_mqtt',
          key: jobKeys.provisionMqtt(org.id, org.mqttCredential.generation, now),
          payload: { orgId: org.id, generation: org.mqttCredential.generation },
        },
        now,
      );
      this.deps.jobsReady?.notify();
    }
    this.deps.log.info(
      { orgId: org.id, endsAt },
      'trial ended; the organisation no longer receives anything',
    );
    return true;
  }
}
