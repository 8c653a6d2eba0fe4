import { defaultsOf, type ConfigOf } from '@isac/config';

/**
 * The dispatcher's config slice: one JSON Schema with every default. Its type (`DispatcherConfig`)
 * and its default object (`defaultDispatcherConfig`) are derived from it.
 */
export const dispatcherConfigSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    worker: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        /** How long a claimed job is held before another worker may take it over. */
        leaseMs: { type: 'integer', minimum: 100, default: 30_000 },
        /** Poll interval when no signal arrives. */
        pollMs: { type: 'integer', minimum: 10, default: 1_000 },
        /** Jobs claimed per round. */
        batch: { type: 'integer', minimum: 1, maximum: 1000, default: 20 },
        /**
         * Jobs run side by side at most; their store writes are grouped. A distribute job holds its
         * slot until its messages are durable in the broker (at most a few hundred ms).
         */
        concurrency: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
        /** Attempts before a job becomes a dead letter. */
        maxAttempts: { type: 'integer', minimum: 1, default: 8 },
        /** Back-off base and cap (backoffMs). */
        backoffBaseMs: { type: 'integer', minimum: 1, default: 1_000 },
        backoffCapMs: { type: 'integer', minimum: 1, default: 300_000 },
      },
    },
    mqtt: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        url: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
        /** 5, 4 (3.1.1) or 'auto' (5, falling back to 3.1.1 when the broker refuses it, e.g. aedes). */
        protocolVersion: { enum: ['auto', 5, 4], default: 'auto' },
        messageExpirySeconds: { type: 'integer', minimum: 0, default: 7 * 24 * 3600 },
        /** Time to wait for a PUBACK before the attempt counts as failed. */
        publishTimeoutMs: { type: 'integer', minimum: 100, default: 10_000 },
        /** Mosquitto dynamic security: the dispatcher provisions organisations' clients and roles. */
        external: {
          type: 'object',
          additionalProperties: false,
          required: ['kind', 'adminUsername', 'adminPassword'],
          properties: {
            kind: { const: 'mosquitto' },
            /** Admin credential allowed to publish to `$CONTROL/dynamic-security/v1`. */
            adminUsername: { type: 'string', minLength: 1 },
            adminPassword: { type: 'string', minLength: 1 },
            /** Provision every active organisation's client and role at start. */
            provisionOnStart: { type: 'boolean', default: true },
          },
        },
      },
    },
    broker: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        /**
         * The embedded broker's admission limits (ADR 0011), checked on each packet's fixed header
         * before its body is read. Before authentication: at most this many bytes in all (the
         * CONNECT and anything sent behind it before the CONNACK).
         */
        maxConnectBytes: { type: 'integer', minimum: 1024, maximum: 268_435_455, default: 65_536 },
        /** After authentication: the largest packet an organisation's client may send (acks, sightings). */
        maxPacketBytes: { type: 'integer', minimum: 1024, maximum: 268_435_455, default: 262_144 },
        /** Connections from one address that have not yet authenticated; the next is closed at once. */
        maxUnauthenticatedPerAddress: { type: 'integer', minimum: 1, default: 16 },
        /** A connection that has not authenticated this long after it opened is closed. */
        connectTimeoutMs: { type: 'integer', minimum: 100, default: 10_000 },
      },
    },
    smtp: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        /** smtp://user:pass@host:port or smtps://…; absent: mail is written as .eml files to mail.outDir. */
        url: { type: 'string', pattern: '^smtps?://[^\\s/?#]+' },
        /** Force implicit TLS (smtps); otherwise STARTTLS when offered. */
        secure: { type: 'boolean' },
        /** Accept a self-signed relay certificate (tests, lab relays). */
        allowSelfSigned: { type: 'boolean', default: false },
        from: { type: 'string', default: 'ISAC Hub <no-reply@isac.invalid>' },
        timeoutMs: { type: 'integer', minimum: 100, default: 30_000 },
      },
    },
    mail: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        outDir: { type: 'string', default: 'var/mail' },
        /** The TAXII API root URL quoted in notices ("fetch it over TAXII"). */
        taxiiUrl: { type: 'string', default: 'http://127.0.0.1:8080/taxii2/' },
      },
    },
    digest: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        /** Delay after a window closes before its digest is sent (late arrivals). */
        graceMs: { type: 'integer', minimum: 0, default: 60_000 },
        /** Most alerts listed in one digest. */
        maxItems: { type: 'integer', minimum: 1, default: 500 },
      },
    },
    blocklist: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: { enabled: { type: 'boolean', default: true } },
    },
  },
} as const;

export type DispatcherConfig = ConfigOf<typeof dispatcherConfigSchema>;

/** The schema's defaults, each section overridden as given (tests and the bench build on it). */
export function defaultDispatcherConfig(over: DeepPartial<DispatcherConfig> = {}): DispatcherConfig {
  const base = defaultsOf(dispatcherConfigSchema);
  return {
    worker: { ...base.worker, ...over.worker },
    mqtt: { ...base.mqtt, ...over.mqtt },
    broker: { ...base.broker, ...over.broker },
    smtp: { ...base.smtp, ...over.smtp },
    mail: { ...base.mail, ...over.mail },
    digest: { ...base.digest, ...over.digest },
    blocklist: { ...base.blocklist, ...over.blocklist },
  };
}

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? Partial<T[K]> : T[K] };
