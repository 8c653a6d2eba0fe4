/**
 * The job catalogue (ADR 0008): every kind of outbox job, its payload (a JSON Schema, the type
 * derived from it) and the builder of its idempotency key. Services enqueue only what this file
 * describes, and the worker reads a claimed job back through `readJob`, which checks the payload
 * against its kind's schema: a handler gets a typed payload or the job is a dead letter whose
 * reason names the field. Nobody casts a payload.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { FromSchema } from 'json-schema-to-ts';

const text = { type: 'string' } as const;
const texts = { type: 'array', items: text } as const;

export const JOB_PAYLOAD_SCHEMAS = {
  /**
   * One submission to distribute (written by `ObjectStore.accept` when it inserted at least one
   * version): the dispatcher finds or forms its delivery batch (ADR 0013).
   */
  distribute: {
    type: 'object',
    additionalProperties: false,
    required: ['submissionId'],
    properties: {
      submissionId: text,
      /** Versions the submission inserted (the singles window holds small ones); absent in older jobs. */
      objects: { type: 'integer', minimum: 0 },
    },
  },
  /**
   * Legacy: one object version to distribute, as hubs before ADR 0013 wrote one job per version.
   * Never written any more; jobs a store still holds after an upgrade run as before.
   */
  distribute_version: {
    type: 'object',
    additionalProperties: false,
    required: ['collectionId', 'id', 'version'],
    properties: { collectionId: text, id: text, version: text },
  },
  /**
   * Block-list entries of an indicator version to remove from the organisations that got its add,
   * when they expire (issue 14.3): at its `valid_until` (all kinds), or at a kind's default expiry
   * (`kinds` names the kinds due then).
   */
  expire_blocklist: {
    type: 'object',
    additionalProperties: false,
    required: ['id', 'version'],
    properties: { id: text, version: text, kinds: texts },
  },
  /**
   * A rendered message to hand to the relay: a retry sends the same bytes. Either the whole
   * message (`raw`), or (ADR 0013 stage 3d) a reference to the message stored once for all the
   * addresses of a mail (`blob`, its SHA-256) and this address's own header lines (`to` and
   * `messageId`), which the send puts in front of it.
   */
  send_mail: {
    type: 'object',
    additionalProperties: false,
    required: ['deliveryKeys', 'orgId', 'to', 'what'],
    properties: {
      /** The deliveries this message carries (none for a notice such as a trial reminder). */
      deliveryKeys: texts,
      orgId: text,
      to: texts,
      /** The RFC 5322 message, base64. */
      raw: text,
      /** The stored message without its To and Message-ID header lines (`JobStore.getBlob`). */
      blob: { type: 'string', pattern: '^[0-9a-f]{64}$' },
      /** This address's Message-ID, `<id@domain>`. */
      messageId: { type: 'string', pattern: '^<[^<>\\s]+>$' },
      what: {
        type: 'string',
        enum: ['alert', 'notice', 'encrypted', 'digest', 'trial_reminder', 'feedback'],
      },
      /** When what an immediate mail carries was accepted: its hand-off is timed from then (ADR 0032). */
      acceptedAt: { type: 'string' },
      /** The batch mail (ADR 0013) this message carries to one of its addresses. */
      batchMailKey: text,
      /** A digest (ADR 0013): the digest items (batch mails of kind `digest`) it carries. */
      batchMailKeys: texts,
      /**
       * A digest: the alert id its mail prints for acknowledging it; recorded on every item it
       * carries, so that acknowledging the digest acknowledges all of them.
       */
      digestAlertId: text,
    },
  },
  /**
   * A batch mail (ADR 0013) the distribution could not render (an unusable OpenPGP key, a bad
   * address): rendered again from its record by this job, which is a dead letter naming the
   * recipient, the channel and the cause while it still cannot be; an administrator retries it
   * once the cause is fixed (`isac admin dead-letters retry`).
   */
  render_mail: {
    type: 'object',
    additionalProperties: false,
    required: ['batchId', 'mailKey', 'orgId', 'subscriptionId'],
    properties: {
      batchId: { type: 'integer', minimum: 0 },
      mailKey: text,
      orgId: text,
      subscriptionId: text,
    },
  },
  /**
   * One recipient of a batch's MQTT fan-out (ADR 0013) whose publish failed while others of the
   * batch were delivered: published again alone, on its own back-off, and a dead letter naming
   * the organisation, the channel and the cause once its attempts are used up (issue 14.2).
   */
  publish_alert: {
    type: 'object',
    additionalProperties: false,
    required: ['batchId', 'fanoutId', 'index', 'orgId'],
    properties: {
      batchId: { type: 'integer', minimum: 0 },
      fanoutId: { type: 'integer', minimum: 0 },
      /** The recipient's index in the fan-out. */
      index: { type: 'integer', minimum: 0 },
      orgId: text,
    },
  },
  /**
   * An approved approval-queue entry (ADR 0030 §2): its `add` entries pushed, in the grouped
   * format, to the organisations that got the indicator version over MQTT. One job per entry.
   */
  push_approval: {
    type: 'object',
    additionalProperties: false,
    required: ['approvalId'],
    properties: { approvalId: text },
  },
  /** One digest window of one email subscription. */
  digest: {
    type: 'object',
    additionalProperties: false,
    required: ['orgId', 'subscriptionId', 'windowStart', 'windowEnd'],
    properties: { orgId: text, subscriptionId: text, windowStart: text, windowEnd: text },
  },
  /** A message from the hub to an organisation's contacts (membership's trial sweeper). */
  notify: {
    type: 'object',
    additionalProperties: false,
    required: ['template', 'orgId'],
    properties: {
      template: { type: 'string', enum: ['trial_reminder'] },
      orgId: text,
      daysLeft: { type: 'integer', minimum: 0 },
      endsAt: text,
    },
  },
  /** An organisation's MQTT credential to (re)provision in an external broker (ADR 0006). */
  provision_mqtt: {
    type: 'object',
    additionalProperties: false,
    required: ['orgId', 'generation'],
    properties: { orgId: text, generation: { type: 'integer', minimum: 1 } },
  },
  /**
   * Retention (ADR 0034) for one window of `dispatcher.retention.intervalHours`: the job of each
   * window is enqueued once (its key), so one process applies it, under the job's lease.
   */
  apply_retention: {
    type: 'object',
    additionalProperties: false,
    required: ['window'],
    properties: { window: text },
  },
  /**
   * A sighting or false-positive report was recorded (ADR 0046): the object's confidence is worked
   * out again and the submitter gets the aggregate (MQTT and mail). Written with the report.
   */
  feedback_recorded: {
    type: 'object',
    additionalProperties: false,
    required: ['objectId', 'reportId'],
    properties: { objectId: text, reportId: text },
  },
  /**
   * The indicator expiry sweep (ADR 0047) of one window of `dispatcher.decay.intervalMinutes`:
   * enqueued once per window (its key); the store keeps its cursor, so a killed run resumes.
   */
  sweep_expiry: {
    type: 'object',
    additionalProperties: false,
    required: ['window'],
    properties: { window: text },
  },
} as const;

type Schemas = typeof JOB_PAYLOAD_SCHEMAS;
export type JobKind = keyof Schemas;
/** The payload of each kind, derived from its schema. */
export interface JobPayloads {
  readonly distribute: FromSchema<Schemas['distribute']>;
  readonly distribute_version: FromSchema<Schemas['distribute_version']>;
  readonly expire_blocklist: FromSchema<Schemas['expire_blocklist']>;
  readonly send_mail: FromSchema<Schemas['send_mail']>;
  readonly render_mail: FromSchema<Schemas['render_mail']>;
  readonly publish_alert: FromSchema<Schemas['publish_alert']>;
  readonly push_approval: FromSchema<Schemas['push_approval']>;
  readonly digest: FromSchema<Schemas['digest']>;
  readonly notify: FromSchema<Schemas['notify']>;
  readonly provision_mqtt: FromSchema<Schemas['provision_mqtt']>;
  readonly apply_retention: FromSchema<Schemas['apply_retention']>;
  readonly feedback_recorded: FromSchema<Schemas['feedback_recorded']>;
  readonly sweep_expiry: FromSchema<Schemas['sweep_expiry']>;
}
export type JobPayload<K extends JobKind> = JobPayloads[K];

export const JOB_KINDS: readonly JobKind[] = [
  'distribute',
  'distribute_version',
  'expire_blocklist',
  'send_mail',
  'render_mail',
  'publish_alert',
  'push_approval',
  'digest',
  'notify',
  'provision_mqtt',
  'apply_retention',
  'feedback_recorded',
  'sweep_expiry',
];

/** `dropped`: a dead job an administrator gave up on (kept, with its last error, for the record). */
export type JobStatus = 'pending' | 'running' | 'done' | 'dead' | 'dropped';

/** A job as stored. Its payload is read through the catalogue (`readJob`), which checks it against its kind. */
export interface Job {
  readonly kind: JobKind;
  readonly key: string;
  readonly payload: unknown;
  readonly id: string;
  readonly status: JobStatus;
  readonly attempts: number;
  readonly runAt: string;
  readonly leaseOwner?: string | undefined;
  readonly leaseUntil?: string | undefined;
  readonly lastError?: string | undefined;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A job to enqueue, one variant per kind. */
export type NewJobMap = {
  [K in JobKind]: {
    readonly kind: K;
    /** Unique: enqueuing the same key again is a no-op (`duplicate`). Built by `jobKeys`. */
    readonly key: string;
    readonly payload: JobPayloads[K];
    /** Not before this time (ISO); default now. */
    readonly runAt?: string | undefined;
  };
};
export type NewJob = NewJobMap[JobKind];

/** A claimed job whose payload matched its kind's schema. */
export type JobOf<K extends JobKind> = Omit<Job, 'kind' | 'payload'> & {
  readonly kind: K;
  readonly payload: JobPayloads[K];
};
export type TypedJob = { [K in JobKind]: JobOf<K> }[JobKind];

/** Idempotency keys, one format per kind. */
export const jobKeys = {
  /** A submission's one distribution job (ADR 0013), in both adapters: what a replay or repair finds again. */
  distribute: (submissionId: string): string => `distribute:${submissionId}`,
  /** `version` as stored (the distribute job's), so the job of one version is found again. */
  expireBlocklist: (id: string, version: string, kinds?: readonly string[]): string =>
    `expire_blocklist:${id}:${version}${kinds ? `:${kinds.join(',')}` : ''}`,
  /** The send of a rendered message, keyed by what it sends (a delivery, digest or notify key). */
  sendMail: (of: string): string => `send_mail:${of}`,
  /** One address of a batch mail (ADR 0013): each address is sent, retried and dead-lettered alone. */
  sendBatchMail: (mailKey: string, address: string): string => `send_mail:${mailKey}|to:${address}`,
  /** A batch mail to render again: one per mail, so a repeated failure finds its dead letter. */
  renderMail: (mailKey: string): string => `render_mail:${mailKey}`,
  /** One recipient of a batch fan-out to publish again alone: one per recipient, so its dead letter is found again. */
  publishAlert: (fanoutId: number, index: number): string => `publish_alert:${fanoutId}:${index}`,
  /** An approved entry's push: one per entry, so the approve, a retry and the start-up sweep find the same job. */
  pushApproval: (approvalId: string): string => `push_approval:${approvalId}`,
  digest: (subscriptionId: string, windowStart: string): string => `digest:${subscriptionId}:${windowStart}`,
  /** One reminder per organisation, trial end and reminder threshold (days before the end). */
  trialReminder: (orgId: string, endsAt: string, thresholdDays: number): string =>
    `notify:trial_reminder:${orgId}:${endsAt}:${thresholdDays}`,
  /** Each change that may alter what the broker must know (issue, suspension, tier, trial) is its own job. */
  provisionMqtt: (orgId: string, generation: number, at: Date): string =>
    `provision_mqtt:${orgId}:${generation}:${at.toISOString()}`,
  /** One per retention window (its start). */
  applyRetention: (window: string): string => `apply_retention:${window}`,
  /** One per report (its id): a repeated report finds its job again. */
  feedbackRecorded: (reportId: string): string => `feedback_recorded:${reportId}`,
  /** One per expiry sweep window (its start). */
  sweepExpiry: (window: string): string => `sweep_expiry:${window}`,
} as const;

const ajv = new Ajv({ allErrors: false, strict: true });
const S = JOB_PAYLOAD_SCHEMAS;
const validators: { readonly [K in JobKind]: ValidateFunction<JobPayloads[K]> } = {
  distribute: ajv.compile<JobPayloads['distribute']>(S.distribute),
  distribute_version: ajv.compile<JobPayloads['distribute_version']>(S.distribute_version),
  expire_blocklist: ajv.compile<JobPayloads['expire_blocklist']>(S.expire_blocklist),
  send_mail: ajv.compile<JobPayloads['send_mail']>(S.send_mail),
  render_mail: ajv.compile<JobPayloads['render_mail']>(S.render_mail),
  publish_alert: ajv.compile<JobPayloads['publish_alert']>(S.publish_alert),
  push_approval: ajv.compile<JobPayloads['push_approval']>(S.push_approval),
  digest: ajv.compile<JobPayloads['digest']>(S.digest),
  notify: ajv.compile<JobPayloads['notify']>(S.notify),
  provision_mqtt: ajv.compile<JobPayloads['provision_mqtt']>(S.provision_mqtt),
  apply_retention: ajv.compile<JobPayloads['apply_retention']>(S.apply_retention),
  feedback_recorded: ajv.compile<JobPayloads['feedback_recorded']>(S.feedback_recorded),
  sweep_expiry: ajv.compile<JobPayloads['sweep_expiry']>(S.sweep_expiry),
};

function describe(errors: readonly ErrorObject[] | null | undefined): string {
  const e = errors?.[0];
  if (!e) return 'does not match its schema';
  const where = e.instancePath === '' ? '' : `${e.instancePath} `;
  const extra =
    e.keyword === 'additionalProperties'
      ? ` (${String((e.params as { additionalProperty?: unknown }).additionalProperty)})`
      : e.keyword === 'enum'
        ? ` (${(e.params as { allowedValues?: unknown[] }).allowedValues?.join(', ') ?? ''})`
        : '';
  return `${where}${e.message ?? 'is invalid'}${extra}`;
}

type Read = { ok: true; job: TypedJob } | { ok: false; error: string };

function check<K extends JobKind>(
  job: Job,
  kind: K,
): { ok: true; job: JobOf<K> } | { ok: false; error: string } {
  const validate: ValidateFunction<JobPayloads[K]> = validators[kind];
  const payload = job.payload;
  if (!validate(payload)) return { ok: false, error: `${kind} job payload ${describe(validate.errors)}` };
  return { ok: true, job: { ...job, kind, payload } };
}

/** The payload of a job that must be of `kind` (tests, tools); throws when it is not one. */
export function payloadOf<K extends JobKind>(job: Job, kind: K): JobPayloads[K] {
  if (job.kind !== kind) throw new Error(`job ${job.id} is a ${job.kind} job, not ${kind}`);
  const r = check(job, kind);
  if (!r.ok) throw new Error(r.error);
  return r.job.payload;
}

/**
 * A stored job as its kind's typed job, or why it is not one (unknown kind, or a payload that
 * does not match the kind's schema, naming the field).
 */
export function readJob(job: Job): Read {
  const kind: string = job.kind;
  switch (kind) {
    case 'distribute': {
      // A per-version job an older hub wrote under this kind (before migration 11 renamed it).
      const legacy = check(job, 'distribute_version');
      return legacy.ok ? legacy : check(job, kind);
    }
    case 'distribute_version':
      return check(job, kind);
    case 'expire_blocklist':
      return check(job, kind);
    case 'send_mail': {
      // `raw`, or `blob` with `messageId` (ajv's strict mode refuses `anyOf` of `required`)
      const r = check(job, kind);
      if (!r.ok) return r;
      const p = r.job.payload;
      if (p.raw === undefined && (p.blob === undefined || p.messageId === undefined))
        return { ok: false, error: 'send_mail job payload must have raw, or blob and messageId' };
      return r;
    }
    case 'render_mail':
      return check(job, kind);
    case 'publish_alert':
      return check(job, kind);
    case 'push_approval':
      return check(job, kind);
    case 'digest':
      return check(job, kind);
    case 'notify':
      return check(job, kind);
    case 'provision_mqtt':
      return check(job, kind);
    case 'apply_retention':
      return check(job, kind);
    case 'feedback_recorded':
      return check(job, kind);
    case 'sweep_expiry':
      return check(job, kind);
    default:
      return { ok: false, error: `unknown job kind ${kind}` };
  }
}
