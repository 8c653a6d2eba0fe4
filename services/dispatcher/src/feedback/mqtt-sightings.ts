import type { Logger } from '@isac/kernel';
import type { FeedbackService } from '@isac/feedback';
import type { AlertPublisher } from '../mqtt/mqtt-alert-publisher.js';
import { orgOfSightingsTopic, sightingErrorsTopic } from '../mqtt/topics.js';

/** What the hub subscribes to for sightings: every organisation's `…/sightings` (ADR 0046). */
export const SIGHTINGS_FILTER = 'isac/v1/orgs/+/sightings';

/** An answer is kept by the broker for an offline session this long at most. */
const ANSWER_EXPIRY_SECONDS = 24 * 3600;

/**
 * Records the sightings organisations publish on their own `…/sightings` (the broker lets an
 * organisation publish only there, ADR 0046): once per sighting id, durable before the embedded
 * broker acknowledges the publish. A message that is not recorded is logged and answered on
 * `…/sightings/errors` with the reason, in English and Japanese. A store failure is thrown: the
 * broker logs it (the sender's retry, with the same id, is recorded once).
 */
export function listenForMqttSightings(deps: {
  readonly publisher: AlertPublisher;
  readonly feedback: FeedbackService;
  readonly log: Logger;
}): void {
  const { publisher, feedback, log } = deps;
  publisher.onMessage(SIGHTINGS_FILTER, async (topic, payload) => {
    const orgId = orgOfSightingsTopic(topic);
    if (!orgId) return;
    const outcome = await feedback.reportMessage(orgId, payload);
    if (outcome.ok) return;
    log.info({ orgId, reason: outcome.reason }, 'MQTT sighting not recorded');
    const [r] = await publisher.publishAll([
      {
        topic: sightingErrorsTopic(orgId),
        payload: JSON.stringify({
          status: 'error',
          ...(outcome.path !== undefined ? { path: outcome.path } : {}),
          reason: outcome.reason,
          reason_ja: '目撃情報（sighting）を記録できませんでした。reason を確認してください',
          received: payload.toString('utf8').slice(0, 256),
        }),
        contentType: 'application/json',
        messageExpirySeconds: ANSWER_EXPIRY_SECONDS,
      },
    ]);
    if (r && !r.ok) log.warn({ orgId, error: r.error }, 'MQTT sighting answer not published');
  });
}
