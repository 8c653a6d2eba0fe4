import { TransientError, type Clock, type Logger } from '@isac/kernel';
import type { JobOf, OrgStore } from '@isac/store';
import { mqttPassword, orgStanding, type StandingRules } from '@isac/auth';
import { done, retry, skipped, type JobOutcome } from '../jobs/job-worker.js';
import type { OrgProvisioner } from './mosquitto-dynsec.js';

/**
 * `provision_mqtt` jobs (ADR 0006): puts an organisation's current MQTT credential into an
 * external Mosquitto (every broker of a bridged cluster), or disables its client there when the organisation may no longer connect.
 * The embedded broker verifies credentials itself, so without a provisioner there is nothing to do.
 */
export function provisionMqttHandler(deps: {
  orgs: OrgStore;
  /** One Mosquitto, or the brokers of a bridged cluster (ADR 0035). */
  provisioner: OrgProvisioner | undefined;
  secret: Buffer | undefined;
  clock: Clock;
  log: Logger;
  standing: StandingRules;
}): (job: JobOf<'provision_mqtt'>) => Promise<JobOutcome> {
  return async (job) => {
    if (!deps.provisioner) return skipped('embedded broker: credentials are verified at connect');
    const provisioner = deps.provisioner;
    const { orgId, generation } = job.payload;
    /** What the broker should hold for the organisation now: disabled, or this generation's password. */
    const wanted = async (): Promise<'disabled' | number | undefined> => {
      const org = await deps.orgs.get(orgId);
      if (!org || !orgStanding(org, deps.clock.now(), deps.standing).ok) return 'disabled';
      return org.mqttCredential?.generation;
    };
    try {
      let target = await wanted();
      if (typeof target === 'number' && generation < target)
        return skipped(`superseded by generation ${target}`);
      // Jobs of one organisation may interleave (a rotation or suspension queued while an earlier
      // job is still between its dynamic-security commands): after applying, the store is read
      // again and a change made meanwhile is applied too, so the broker never ends up with an older
      // state (an old password set back, a suspended client enabled again; ADR 0021).
      for (let pass = 0; pass < 5; pass++) {
        if (target === 'disabled') await provisioner.disableOrg(orgId);
        else if (target === undefined || !deps.secret) return skipped('no MQTT credential issued');
        else await provisioner.ensureOrg(orgId, mqttPassword(deps.secret, orgId, target));
        const now = await wanted();
        if (now === target) return done;
        target = now;
      }
      return retry('the organisation kept changing while it was provisioned');
    } catch (err) {
      deps.log.warn({ err, orgId }, 'MQTT provisioning failed; will retry');
      return retry(
        err instanceof TransientError
          ? err.message
          : `Mosquitto provisioning failed: ${(err as Error).message}`,
      );
    }
  };
}
