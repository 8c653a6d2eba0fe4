import { blocklistConfigSchema, defaultsOf, type BlocklistConfig, type ConfigOf } from '@isac/config';

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
        /**
         * A running job's lease is renewed (every third of `leaseMs`) for at most this long, so a
         * job slower than its lease is not run twice; past it the job is taken to hang and its
         * lease left to expire (another worker may then run it). 0: never renewed.
         */
        renewMaxMs: { type: 'integer', minimum: 0, default: 600_000 },
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
        /**
         * PEM file of the CA(s) that issued the external broker's certificate, for an `mqtts://`
         * url whose certificate the system's CAs do not cover (ISAC_MQTT_CA_FILE, ADR 0037).
         */
        caFile: { type: 'string', minLength: 1 },
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
            /**
             * The other brokers of a bridged cluster (ADR 0035), each with dynamic security: every
             * organisation's client, role and password is provisioned in each of them too, so that a
             * member may connect to any; the dispatcher publishes to `mqtt.url` only.
             */
            mirrors: {
              type: 'array',
              default: [],
              items: {
                type: 'object',
                additionalProperties: false,
                required: ['url', 'adminUsername', 'adminPassword'],
                properties: {
                  url: { type: 'string', minLength: 1 },
                  adminUsername: { type: 'string', minLength: 1 },
                  adminPassword: { type: 'string', minLength: 1 },
                },
              },
            },
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
        /**
         * Persistent sessions (ADR 0024): one nobody has connected to for this many days is ended by
         * the hourly sweep, its subscriptions and queued alerts dropped.
         */
        sessionExpiryDays: { type: 'integer', minimum: 1, default: 7 },
        /**
         * The queued alerts of one organisation's sessions, in all (count and bytes): past either,
         * the oldest alerts of its offline sessions are dropped (longest queue first) and counted.
         */
        maxQueuedMessagesPerOrg: { type: 'integer', minimum: 1, default: 10_000 },
        maxQueuedBytesPerOrg: { type: 'integer', minimum: 1024, default: 104_857_600 },
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
        /**
         * Where .eml files go when no relay is configured; absent: `<dataDir>/mail` (the hub and
         * the dispatcher's entry points resolve it).
         */
        outDir: { type: 'string', minLength: 1 },
        /**
         * `ISAC_PUBLIC_URL`: the base of every link in mail (`https://hub.isac.example`), what members
         * reach the hub's HTTP port at. Absent: `http://localhost:{http port}`.
         */
        publicUrl: { type: 'string', pattern: '^https?://[^\\s?#]+$' },
        /** The TAXII API root and collection that mail links point into (the default collection). */
        taxiiApiRoot: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$', default: 'isac' },
        /** Objects written out in full in a mail body; all of them are in the attachments. */
        fullCount: { type: 'integer', minimum: 0, maximum: 1000, default: 20 },
        /**
         * Above this many bytes of attachments (STIX bundle + CSV, before encoding), a mail carries
         * them as ONE ZIP archive holding both files (and says so in its body); default 512 KB.
         */
        zipAboveBytes: { type: 'integer', minimum: 0, default: 524_288 },
        /** IANA zone of mail times when a subscription names none. */
        timeZone: { type: 'string', minLength: 1, default: 'Asia/Tokyo' },
        /** The TAXII API root URL quoted in notices ("fetch it over TAXII"); absent: from publicUrl. */
        taxiiUrl: { type: 'string' },
      },
    },
    digest: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        /** Delay after a window closes before its digest is sent (late arrivals). */
        graceMs: { type: 'integer', minimum: 0, default: 60_000 },
        /**
         * Local hour (0-23) at which a `daily` window closes and its digest is sent, in the
         * subscription's `email.timeZone` (else `mail.timeZone`, Asia/Tokyo). `hourly` windows
         * close on every local hour.
         */
        dailyHour: { type: 'integer', minimum: 0, maximum: 23, default: 9 },
        /** Most batches (submissions, or windows of singles) gathered into one digest. */
        maxItems: { type: 'integer', minimum: 1, default: 500 },
      },
    },
    grouping: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        /**
         * Small submissions whose distribute jobs fall due within this window of the first one's
         * acceptance are distributed together, as one batch (ADR 0013). 0: no window.
         */
        windowMs: { type: 'integer', minimum: 0, maximum: 10_000, default: 100 },
        /** Submissions of at most this many objects wait for the window; bigger ones run at once, alone. */
        windowMaxObjects: { type: 'integer', minimum: 1, default: 50 },
        /** Objects in one alert part (one STIX bundle, one MQTT message); more are sent as several parts. */
        maxObjects: { type: 'integer', minimum: 1, maximum: 100_000, default: 1_000 },
        /** Bytes of JSON in one alert part; an object larger than this alone is sent alone in its part. */
        maxBytes: { type: 'integer', minimum: 4_096, maximum: 268_435_455, default: 262_144 },
        /**
         * A batch's alerts are handed to the broker this many payload bytes at a time (at least one
         * recipient's alerts), so a bulk fan-out never holds every recipient's copy at once.
         */
        publishWindowBytes: { type: 'integer', minimum: 65_536, default: 33_554_432 },
      },
    },
    /**
     * Correlation (ADR 0044): an alert says which of its values were reported before (counts of
     * what the recipient may see), and a value resubmitted within `updateWindowMs` of a report the
     * recipient may see is an update to it, not a new alert.
     */
    correlation: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        enabled: { type: 'boolean', default: true },
        /** A resubmission this soon after a visible earlier report is an update. 0: never. */
        updateWindowMs: { type: 'integer', minimum: 0, default: 86_400_000 },
      },
    },
    /**
     * Indicator decay and expiry (ADR 0047): an indicator's score is its confidence halved every
     * half-life of its observables' kind (the longest of them); it expires at its `valid_until`
     * or when the score falls below `threshold`, found by a periodic `sweep_expiry` job.
     */
    decay: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        enabled: { type: 'boolean', default: true },
        /** How often the sweep runs. */
        intervalMinutes: { type: 'integer', minimum: 1, maximum: 7 * 24 * 60, default: 60 },
        /** Indicators looked at per transaction. */
        batch: { type: 'integer', minimum: 100, maximum: 100_000, default: 10_000 },
        /** A score (0-100) below which an indicator expires; 0: only valid_until expires one. */
        threshold: { type: 'number', minimum: 0, maximum: 100, default: 20 },
        /** The confidence of an indicator that states none. */
        defaultConfidence: { type: 'integer', minimum: 0, maximum: 100, default: 50 },
        halfLifeDays: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            ipv4: { type: 'number', exclusiveMinimum: 0, default: 14 },
            ipv6: { type: 'number', exclusiveMinimum: 0, default: 14 },
            url: { type: 'number', exclusiveMinimum: 0, default: 30 },
            domain: { type: 'number', exclusiveMinimum: 0, default: 60 },
            email: { type: 'number', exclusiveMinimum: 0, default: 60 },
            'file-hash': { type: 'number', exclusiveMinimum: 0, default: 365 },
          },
        },
      },
    },
    /**
     * Retention (ADR 0034): what is older than these many days is deleted by a periodic
     * `apply_retention` job (one process at a time, through the job leases). 0: kept for ever.
     */
    retention: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        enabled: { type: 'boolean', default: true },
        /** How often the job runs. */
        intervalHours: { type: 'integer', minimum: 1, maximum: 24 * 7, default: 24 },
        /** Items deleted per transaction (writers wait at most one batch). */
        batch: { type: 'integer', minimum: 1, maximum: 100_000, default: 1_000 },
        /** Audit entries: a year is kept by default. */
        auditDays: { type: 'integer', minimum: 0, default: 366 },
        /** Delivery records (batches, fan-outs, mails, acknowledgements), by creation. */
        deliveryDays: { type: 'integer', minimum: 0, default: 180 },
        /** Done jobs (and with them the memory of their idempotency keys), by when they last ran. */
        doneJobDays: { type: 'integer', minimum: 0, default: 30 },
        /** Dead letters (dead and dropped jobs), by when they last ran. */
        deadLetterDays: { type: 'integer', minimum: 0, default: 90 },
        /** Objects whose latest version is revoked (since) or whose valid_until is past (by). */
        expiredObjectDays: { type: 'integer', minimum: 0, default: 90 },
      },
    },
  },
} as const;

/**
 * The dispatcher's settings: its slice (`dispatcher`) and the shared `blocklist` slice (libs/config,
 * ADR 0030), which the ingest reads too so that both build the same gate.
 */
export type DispatcherConfig = ConfigOf<typeof dispatcherConfigSchema> & {
  readonly blocklist: BlocklistConfig;
};

/**
 * The schema's defaults, each section overridden as given (tests and the bench build on it);
 * retention and decay are off unless `over.retention.enabled` / `over.decay.enabled` turn them on.
 */
export function defaultDispatcherConfig(over: DeepPartial<DispatcherConfig> = {}): DispatcherConfig {
  const base = defaultsOf(dispatcherConfigSchema);
  const blocklist = defaultsOf(blocklistConfigSchema);
  return {
    worker: { ...base.worker, ...over.worker },
    mqtt: { ...base.mqtt, ...over.mqtt },
    broker: { ...base.broker, ...over.broker },
    smtp: { ...base.smtp, ...over.smtp },
    mail: { ...base.mail, ...over.mail },
    digest: { ...base.digest, ...over.digest },
    grouping: { ...base.grouping, ...over.grouping },
    correlation: { ...base.correlation, ...over.correlation },
    // off unless a test asks: a retention run at start would delete the old fixtures tests build
    retention: { ...base.retention, enabled: false, ...over.retention },
    // off unless a test asks, as retention: a sweep at start would expire the fixtures tests build
    decay: {
      ...base.decay,
      enabled: false,
      ...over.decay,
      halfLifeDays: { ...base.decay.halfLifeDays, ...over.decay?.halfLifeDays },
    },
    blocklist: {
      ...blocklist,
      ...over.blocklist,
      expiryDays: { ...blocklist.expiryDays, ...over.blocklist?.expiryDays },
    },
  };
}

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? Partial<T[K]> : T[K] };
