import { ORG_ID_PATTERN } from '@isac/kernel';

export const DEFAULT_SECTORS = [
  'finance',
  'telecom',
  'broadcasting',
  'building',
  'sme',
  'government',
  'other',
] as const;

/** The membership service's slice of the configuration (validated and frozen by libs/config). */
export interface MembershipConfig {
  /** Sectors an organisation may belong to. */
  readonly sectors: readonly string[];
  /** When set, an organisation's region must be one of these (prefectures, say); free text otherwise. */
  readonly regions?: readonly string[] | undefined;
  /** The hub's own organisation, created by bootstrapAdmin on an empty store. */
  readonly hubOrg: { readonly id: string; readonly name: string };
  readonly trial: {
    readonly defaultDays: number;
    /** Days before the end of a trial when the org's contacts get a reminder. */
    readonly reminderDaysBefore: readonly number[];
    /** How often start() sweeps trials for reminders and expiries. */
    readonly sweepIntervalSeconds: number;
  };
  readonly tokens: { readonly ttlSeconds: number; readonly issuer: string; readonly audience: string };
  readonly lockout: { readonly maxFailures: number; readonly lockMinutes: number };
  /** The broker URL clients are told about in GET /api/v1/me. */
  readonly publicMqttUrl: string;
  /** Largest JSON body the admin API accepts. */
  readonly bodyLimitBytes: number;
}

const text = { type: 'string', minLength: 1, maxLength: 200 } as const;

/** JSON Schema of MembershipConfig, with defaults for everything (so `{}` is a valid config). */
export const membershipConfigSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    sectors: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,31}$' },
      default: [...DEFAULT_SECTORS],
    },
    regions: { type: 'array', uniqueItems: true, items: text },
    hubOrg: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        id: { type: 'string', pattern: ORG_ID_PATTERN.source, default: 'hub' },
        name: { ...text, default: 'ISAC Sharing Hub' },
      },
    },
    trial: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        defaultDays: { type: 'integer', minimum: 1, maximum: 3650, default: 90 },
        reminderDaysBefore: {
          type: 'array',
          items: { type: 'integer', minimum: 1, maximum: 365 },
          uniqueItems: true,
          default: [14, 3],
        },
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
    lockout: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        maxFailures: { type: 'integer', minimum: 1, default: 5 },
        lockMinutes: { type: 'integer', minimum: 1, default: 15 },
      },
    },
    publicMqttUrl: { type: 'string', minLength: 1, default: 'mqtt://localhost:1883' },
    bodyLimitBytes: { type: 'integer', minimum: 1024, default: 65536 },
  },
} as const;

/** Defaults, for tests and for callers that compose the service without libs/config. */
export function defaultMembershipConfig(overrides: Partial<MembershipConfig> = {}): MembershipConfig {
  return {
    sectors: [...DEFAULT_SECTORS],
    hubOrg: { id: 'hub', name: 'ISAC Sharing Hub' },
    trial: { defaultDays: 90, reminderDaysBefore: [14, 3], sweepIntervalSeconds: 3600 },
    tokens: { ttlSeconds: 900, issuer: 'isac-hub', audience: 'isac-hub' },
    lockout: { maxFailures: 5, lockMinutes: 15 },
    publicMqttUrl: 'mqtt://localhost:1883',
    bodyLimitBytes: 65536,
    ...overrides,
  };
}
