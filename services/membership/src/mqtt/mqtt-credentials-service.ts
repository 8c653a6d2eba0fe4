import type { CredentialChanges } from '@isac/auth';
import { ConflictError, type Clock, type OrgId, type Principal } from '@isac/kernel';
import { jobKeys, type AuditLog, type JobStore, type OrgStore } from '@isac/store';
import { actorOf, mqttPassword, noSuchOrg, orgStanding, type Access, type StandingRules } from '@isac/auth';

export interface IssuedMqttCredentials {
  /** The MQTT username: the organisation id. */
  readonly username: string;
  /** Shown once; a later issue replaces it. */
  readonly password: string;
  readonly generation: number;
  /** Topics the organisation may subscribe to. */
  readonly topicPrefix: string;
}

/**
 * Organisation MQTT credentials (ADR 0006). Issuing a new one replaces the old at once on the
 * embedded broker; for an external Mosquitto a `provision_mqtt` job has the dispatcher set it.
 */
export class MqttCredentialsService {
  constructor(
    private readonly deps: {
      orgs: OrgStore;
      jobs: JobStore;
      audit: AuditLog;
      clock: Clock;
      access: Access;
      secret: Buffer | undefined;
      standing: StandingRules;
      /** The process's live connections (ADR 0021): told after each change, so they are re-judged before the answer. */
      live?: CredentialChanges | undefined;
      /** Wakes the dispatcher of this process after a `provision_mqtt` job is queued. */
      jobsReady?: { notify(): void } | undefined;
    },
  ) {}

  async issue(p: Principal, orgId: OrgId): Promise<IssuedMqttCredentials> {
    this.deps.access.requireOrgAdmin(p, orgId);
    const org = await this.deps.orgs.get(orgId);
    if (!org) throw noSuchOrg(orgId);
    if (!this.deps.secret)
      throw new ConflictError('MQTT credentials are not enabled on this hub (no credential secret)');
    const now = this.deps.clock.now();
    const standing = orgStanding(org, now, this.deps.standing);
    if (!standing.ok) throw new ConflictError(`${standing.message}: it cannot receive MQTT credentials`);
    const generation = (org.mqttCredential?.generation ?? 0) + 1;
    await this.deps.orgs.update({
      ...org,
      mqttCredential: { generation, issuedAt: now.toISOString() },
      updatedAt: now.toISOString(),
    });
    // the old generation's connections close before the new password is shown
    await this.deps.live?.changed(orgId);
    await this.deps.jobs.enqueue(
      {
        kind: 'provision_mqtt',
        key: jobKeys.provisionMqtt(orgId, generation, now),
        payload: { orgId, generation },
      },
      now,
    );
    this.deps.jobsReady?.notify();
    await this.deps.audit.append([
      {
        at: now.toISOString(),
        actor: actorOf(p),
        action: 'org.mqtt_credentials',
        target: { kind: 'org', id: orgId, orgId },
        outcome: 'ok',
        details: { generation },
      },
    ]);
    return {
      username: orgId,
      password: mqttPassword(this.deps.secret, orgId, generation),
      generation,
      topicPrefix: `isac/v1/orgs/${orgId}/`,
    };
  }
}
