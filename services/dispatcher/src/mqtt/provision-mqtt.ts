import { TransientError, type Clock, type Logger } from '@isac/kernel';
import type { JobOf, OrgStore } from '@isac/store';
import { mqttPassword, orgStanding, type StandingRules } from '@isac/auth';
import { done, retry, skipped, type JobOutcome } from '../jobs/job-worker.js';
import type { DynsecProvisioner } from './mosquitto-dynsec.js';

/**
 * `provision_mqtt` jobs (ADR 0006): puts an organisation's current MQTT credential into an
 * external Mosquitto, or disables its client there when the organisation may no longer connect.
 * The embedded broker verifies credentials itself, so without a provisioner there is nothing to do.
 */
export function provisionMqttHandler(deps: {
  orgs: OrgStore;
  provisioner: DynsecProvisioner | undefined;
  secret: Buffer | undefined;
  clock: Clock;
  log: Logger;
  standing: StandingRules;
}): (job: JobOf<'provision_mqtt'>) => Promise<JobOutcome> {
  return async (job) => {
    if (!deps.provisioner) return skipped('embedded broker: credentials are verified at connect');
    const { orgId, generation } = job.payload;
    const org = await deps.orgs.get(orgId);
    try {
      if (!org || !orgStanding(org, deps.clock.now(), deps.standing).ok) {
        await deps.provisioner.disableOrg(orgId);
        return done;
      }
      const current = org.mqttCredential?.generation;
      if (current === undefined || !deps.secret) return skipped('no MQTT credential issued');
      if (generation < current) return skipped(`superseded by generation ${current}`);
      await deps.provisioner.ensureOrg(orgId, mqttPassword(deps.secret, orgId, current));
      return done;
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
