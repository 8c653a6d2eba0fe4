import { defaultsOf, type ConfigOf } from '@isac/config';

export const DEFAULT_SECTORS = [
  'finance',
  'telecom',
  'broadcasting',
  'building',
  'sme',
  'government',
  'other',
] as const;

const text = { type: 'string', minLength: 1, maxLength: 200 } as const;

/**
 * The membership service's slice of the configuration, with defaults for everything (so `{}` is a
 * valid config): the one statement of it. `MembershipConfig` and `defaultMembershipConfig` derive
 * from it.
 */
export const membershipConfigSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    /** Sectors an organisation may belong to. */
    sectors: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,31}$' },
      default: [...DEFAULT_SECTORS],
    },
    /** When set, an organisation's region must be one of these (codes or names: `東京都`, `JP-27`, `SG`); any prefecture or country otherwise. */
    regions: { type: 'array', uniqueItems: true, items: text },
    /**
     * The name of the hub's own organisation, created by bootstrapAdmin on an empty store. Its id is
     * the base setting `hub.orgId`, which every process shares (the authenticator's access judge).
     */
    hubOrg: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        name: { ...text, default: 'ISAC Sharing Hub' },
      },
    },
    trial: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        defaultDays: { type: 'integer', minimum: 1, maximum: 3650, default: 90 },
        /** Days before the end of a trial when the org's contacts get a reminder. */
        reminderDaysBefore: {
          type: 'array',
          items: { type: 'integer', minimum: 1, maximum: 365 },
          uniqueItems: true,
          default: [14, 3],
        },
        /** How often start() sweeps trials for reminders and expiries. */
        sweepIntervalSeconds: { type: 'integer', minimum: 1, default: 3600 },
      },
    },
    tokens: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        ttlSeconds: { type: 'integer', minimum: 30, maximum: 86400, default: 900 },
        issuer: { ...text, default: 'isac-hub' },
        audience: { ...text, default: 'isac-hub' },
      },
    },
    /** Refresh tokens (ADR 0023): rotated on every use; a family ends at the absolute limit. */
    refreshTokens: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        /** Unused this long, a refresh token expires (12 h). */
        idleSeconds: { type: 'integer', minimum: 60, maximum: 2592000, default: 43200 },
        /** A login's refresh tokens end this long after it, whatever their use (7 days). */
        absoluteSeconds: { type: 'integer', minimum: 60, maximum: 31536000, default: 604800 },
      },
    },
    lockout: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        /** Failed logins per (account, source address) before that pair waits 1 s, 2 s, 4 s … (ADR 0015). */
        maxFailures: { type: 'integer', minimum: 1, default: 5 },
        /** The longest wait of a pair, the per-address window, and how long an account lock lasts. */
        lockMinutes: { type: 'integer', minimum: 1, default: 15 },
        /** Failed logins on one account, from every address, before the account is locked for everyone. */
        accountMaxFailures: { type: 'integer', minimum: 1, default: 100 },
        /** Failed authentications of any kind from one address per window before it is refused. */
        sourceMaxFailures: { type: 'integer', minimum: 1, default: 50 },
      },
    },
    /** The broker URL clients are told about in GET /api/v1/me. */
    publicMqttUrl: { type: 'string', minLength: 1, default: 'mqtt://localhost:1883' },
    /** Largest JSON body the admin API accepts. */
    bodyLimitBytes: { type: 'integer', minimum: 1024, default: 65536 },
  },
} as const;

export type MembershipConfig = ConfigOf<typeof membershipConfigSchema>;

/** The schema's defaults, top-level keys overridden as given (tests; callers composing without libs/config). */
export function defaultMembershipConfig(overrides: Partial<MembershipConfig> = {}): MembershipConfig {
  return { ...defaultsOf(membershipConfigSchema), ...overrides };
}
