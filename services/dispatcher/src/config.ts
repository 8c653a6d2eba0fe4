/** The dispatcher's config slice: JSON Schema with defaults (libs/config applies them) and its type. */

export interface MosquittoDynsecConfig {
  readonly kind: 'mosquitto';
  /** Admin credential allowed to publish to `$CONTROL/dynamic-security/v1`. */
  readonly adminUsername: string;
  readonly adminPassword: string;
  /** Provision every active organisation's client and role at start. */
  readonly provisionOnStart: boolean;
}

export interface DispatcherConfig {
  readonly worker: {
    /** How long a claimed job is held before another worker may take it over. */
    readonly leaseMs: number;
    /** Poll interval when no signal arrives. */
    readonly pollMs: number;
    /** Jobs claimed per round. */
    readonly batch: number;
    /**
     * Jobs run side by side at most (default 100); their store writes are grouped. A distribute
     * job holds its slot until its messages are durable in the broker (at most a few hundred ms).
     */
    readonly concurrency?: number | undefined;
    /** Attempts before a job becomes a dead letter. */
    readonly maxAttempts: number;
    /** Back-off base and cap (backoffMs). */
    readonly backoffBaseMs: number;
    readonly backoffCapMs: number;
  };
  readonly mqtt: {
    readonly url: string;
    /** 5, 4 (3.1.1) or 'auto' (5, falling back to 3.1.1 when the broker refuses it, e.g. aedes). */
    readonly protocolVersion: 'auto' | 5 | 4;
    readonly messageExpirySeconds: number;
    /** Time to wait for a PUBACK before the attempt counts as failed. */
    readonly publishTimeoutMs: number;
    readonly external?: MosquittoDynsecConfig | undefined;
  };
  readonly smtp: {
    /** smtp://user:pass@host:port or smtps://…; absent: mail is written as .eml files to mail.outDir. */
    readonly url?: string | undefined;
    /** Force implicit TLS (smtps); otherwise STARTTLS when offered. */
    readonly secure?: boolean | undefined;
    /** Accept a self-signed relay certificate (tests, lab relays). */
    readonly allowSelfSigned: boolean;
    readonly from: string;
    readonly timeoutMs: number;
  };
  readonly mail: {
    readonly outDir: string;
    /** The TAXII API root URL quoted in notices ("fetch it over TAXII"). */
    readonly taxiiUrl: string;
  };
  readonly digest: {
    /** Delay after a window closes before its digest is sent (late arrivals). */
    readonly graceMs: number;
    /** Most alerts listed in one digest. */
    readonly maxItems: number;
  };
  readonly blocklist: {
    readonly enabled: boolean;
  };
}

export const dispatcherConfigSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    worker: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        leaseMs: { type: 'integer', minimum: 100, default: 30_000 },
        pollMs: { type: 'integer', minimum: 10, default: 1_000 },
        batch: { type: 'integer', minimum: 1, maximum: 1000, default: 20 },
        concurrency: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
        maxAttempts: { type: 'integer', minimum: 1, default: 8 },
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
        protocolVersion: { enum: ['auto', 5, 4], default: 'auto' },
        messageExpirySeconds: { type: 'integer', minimum: 0, default: 7 * 24 * 3600 },
        publishTimeoutMs: { type: 'integer', minimum: 100, default: 10_000 },
        external: {
          type: 'object',
          additionalProperties: false,
          required: ['kind', 'adminUsername', 'adminPassword'],
          properties: {
            kind: { const: 'mosquitto' },
            adminUsername: { type: 'string', minLength: 1 },
            adminPassword: { type: 'string', minLength: 1 },
            provisionOnStart: { type: 'boolean', default: true },
          },
        },
      },
    },
    smtp: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        url: { type: 'string' },
        secure: { type: 'boolean' },
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
        taxiiUrl: { type: 'string', default: 'http://127.0.0.1:8080/taxii2/' },
      },
    },
    digest: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        graceMs: { type: 'integer', minimum: 0, default: 60_000 },
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

/** Defaults as a plain object (tests and the bench build on it). */
export function defaultDispatcherConfig(over: DeepPartial<DispatcherConfig> = {}): DispatcherConfig {
  const base: DispatcherConfig = {
    worker: {
      leaseMs: 30_000,
      pollMs: 1_000,
      batch: 20,
      concurrency: 100,
      maxAttempts: 8,
      backoffBaseMs: 1_000,
      backoffCapMs: 300_000,
    },
    mqtt: {
      url: 'mqtt://127.0.0.1:1883',
      protocolVersion: 'auto',
      messageExpirySeconds: 7 * 24 * 3600,
      publishTimeoutMs: 10_000,
    },
    smtp: { allowSelfSigned: false, from: 'ISAC Hub <no-reply@isac.invalid>', timeoutMs: 30_000 },
    mail: { outDir: 'var/mail', taxiiUrl: 'http://127.0.0.1:8080/taxii2/' },
    digest: { graceMs: 60_000, maxItems: 500 },
    blocklist: { enabled: true },
  };
  return {
    worker: { ...base.worker, ...over.worker },
    mqtt: { ...base.mqtt, ...over.mqtt },
    smtp: { ...base.smtp, ...over.smtp },
    mail: { ...base.mail, ...over.mail },
    digest: { ...base.digest, ...over.digest },
    blocklist: { ...base.blocklist, ...over.blocklist },
  };
}

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? Partial<T[K]> : T[K] };
