export { blocklistGate, composeDispatcher, type Dispatcher, type DispatcherDeps } from './compose.js';
export { dispatcherConfigSchema, defaultDispatcherConfig, type DispatcherConfig } from './config.js';
export {
  createEmbeddedBroker,
  type EmbeddedBroker,
  type EmbeddedBrokerOptions,
  type MqttSessionAdmin,
  type MqttSessionView,
} from './mqtt/embedded-broker.js';
export {
  alertTopic,
  blocklistTopic,
  ackTopic,
  orgPrefix,
  maySubscribe,
  mayPublish,
  topicSegment,
} from './mqtt/topics.js';
export { DynsecProvisioner, orgAcls, orgRole } from './mqtt/mosquitto-dynsec.js';
export {
  MqttAlertPublisher,
  type AlertPublisher,
  type OutgoingMessage,
  type PublishResult,
} from './mqtt/mqtt-alert-publisher.js';
export { SmtpMailSender, FileMailSender, FakeMailSender, type MailSender } from './email/mail-sender.js';
export { alertIdFor } from './delivery/payload.js';
