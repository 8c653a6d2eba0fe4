import type { Logger } from '@isac/kernel';
import type { AlertPublisher } from '../mqtt/mqtt-alert-publisher.js';
import { ackErrorsTopic, ackResponseTopic, orgOfAckTopic } from '../mqtt/topics.js';
import type { AcksService, MqttAckOutcome } from './acks-service.js';

/** What the hub subscribes to for acks: every organisation's `…/acks` (the only topic they may publish to). */
export const ACKS_FILTER = 'isac/v1/orgs/+/acks';

/** An answer is kept by the broker for an offline session this long at most. */
const ANSWER_EXPIRY_SECONDS = 24 * 3600;

/** The answer's body: `{"status":"ok",…}` or `{"status":"error","reason":…}` (ADR 0029). */
export function ackAnswer(outcome: MqttAckOutcome, received: Buffer): Record<string, unknown> {
  if (outcome.ok) return { status: 'ok', alertId: outcome.alertId, acknowledgedAt: outcome.acknowledgedAt };
  return {
    status: 'error',
    reason: outcome.reason,
    reason_ja: '受領確認（ack）を記録できませんでした。reason を確認してください',
    received: received.toString('utf8').slice(0, 256),
  };
}

/**
 * Records the acks organisations publish and answers them: on the MQTT 5 response topic the
 * client set (under its own `…/acks/`), every ack, with its correlation data; else an ack that
 * could not be recorded on `…/acks/errors`. Every refusal is logged by the service.
 */
export function listenForMqttAcks(deps: {
  readonly publisher: AlertPublisher;
  readonly acks: AcksService;
  readonly log: Logger;
}): void {
  const { publisher, acks, log } = deps;
  publisher.onMessage(ACKS_FILTER, (topic, payload, props) => {
    const orgId = orgOfAckTopic(topic);
    if (!orgId) return;
    void acks.acknowledgeFromMqtt(orgId, payload).then(async (outcome) => {
      const asked = props?.responseTopic;
      const respond = ackResponseTopic(orgId, asked);
      if (asked !== undefined && respond === undefined)
        log.info(
          { orgId, responseTopic: asked },
          'MQTT ack response topic refused (not under the own …/acks/)',
        );
      if (outcome.ok && respond === undefined) return;
      const [r] = await publisher.publishAll([
        {
          topic: respond ?? ackErrorsTopic(orgId),
          payload: JSON.stringify(ackAnswer(outcome, payload)),
          contentType: 'application/json',
          correlationData: respond ? props?.correlationData : undefined,
          messageExpirySeconds: ANSWER_EXPIRY_SECONDS,
        },
      ]);
      if (r && !r.ok) log.warn({ orgId, error: r.error }, 'MQTT ack answer not published');
    });
  });
}
