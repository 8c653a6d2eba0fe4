import { ORG_ID_PATTERN, ORG_STATUSES, TIERS } from '@isac/kernel';
import type { ApiSettings } from './common.js';
import { dateTimeSchema, emailSchema, nameSchema } from './common.js';

export interface CreateOrgBody {
  id?: string;
  name: string;
  sector: string;
  tier: (typeof TIERS)[number];
  region?: string;
  contacts?: string[];
  trialDays?: number;
  trialEndsAt?: string;
  pgpPublicKey?: string;
}

/** PATCH: absent keeps, null clears (where clearing makes sense). */
export interface UpdateOrgBody {
  name?: string;
  tier?: (typeof TIERS)[number];
  /** `retired` is reached only by retiring (POST …/retire), never by an update. */
  status?: Exclude<(typeof ORG_STATUSES)[number], 'retired'>;
  region?: string | null;
  contacts?: string[] | null;
  pgpPublicKey?: string | null;
  /** When the tier becomes trial: its end. */
  trialDays?: number;
  trialEndsAt?: string;
}

export interface ExtendTrialBody {
  endsAt?: string;
  days?: number;
}

/** Retiring an organisation (ADR 0020): the caller types its id again. */
export interface RetireOrgBody {
  confirm: string;
}

export interface ConvertBody {
  tier?: (typeof TIERS)[number];
}

const PGP = {
  type: 'string',
  minLength: 1,
  maxLength: 100_000,
  pattern: '^\\s*-----BEGIN PGP PUBLIC KEY BLOCK-----',
} as const;

export function orgSchemas(config: ApiSettings) {
  const region = config.regions
    ? ({ type: 'string', enum: [...config.regions] } as const)
    : ({ ...nameSchema, maxLength: 100 } as const);
  const contacts = { type: 'array', maxItems: 20, uniqueItems: true, items: emailSchema } as const;
  const trialDays = { type: 'integer', minimum: 1, maximum: 3650 } as const;
  const create = {
    type: 'object',
    additionalProperties: false,
    required: ['name', 'sector', 'tier'],
    properties: {
      id: {
        type: 'string',
        pattern: ORG_ID_PATTERN.source,
        description:
          'lower-case letters, digits and "-": a safe MQTT topic segment; derived from the name when absent',
      },
      name: nameSchema,
      sector: { type: 'string', enum: [...config.sectors] },
      tier: { type: 'string', enum: [...TIERS] },
      region,
      contacts,
      trialDays,
      trialEndsAt: dateTimeSchema,
      pgpPublicKey: PGP,
    },
  } as const;
  const update = {
    type: 'object',
    additionalProperties: false,
    minProperties: 1,
    properties: {
      name: nameSchema,
      tier: { type: 'string', enum: [...TIERS] },
      status: { type: 'string', enum: ORG_STATUSES.filter((st) => st !== 'retired') },
      // Nullable without anyOf, so a bad value gets one error naming the field (pattern and
      // items apply to strings and arrays only).
      region: config.regions
        ? ({ enum: [...config.regions, null] } as const)
        : ({ ...region, type: ['string', 'null'] } as const),
      contacts: { ...contacts, type: ['array', 'null'] },
      pgpPublicKey: { ...PGP, type: ['string', 'null'] },
      trialDays,
      trialEndsAt: dateTimeSchema,
    },
  } as const;
  const extendTrial = {
    type: 'object',
    additionalProperties: false,
    minProperties: 1,
    maxProperties: 1,
    properties: { endsAt: dateTimeSchema, days: trialDays },
  } as const;
  const retire = {
    type: 'object',
    additionalProperties: false,
    required: ['confirm'],
    properties: {
      confirm: {
        type: 'string',
        maxLength: 64,
        description: "the organisation's id again, as a confirmation",
      },
    },
  } as const;
  const convert = {
    type: 'object',
    additionalProperties: false,
    properties: { tier: { type: 'string', enum: TIERS.filter((t) => t !== 'trial') } },
  } as const;
  const org = {
    type: 'object',
    required: [
      'id',
      'name',
      'sector',
      'region',
      'tier',
      'status',
      'contacts',
      'identityId',
      'createdAt',
      'updatedAt',
    ],
    properties: {
      id: { type: 'string' },
      name: { type: 'string' },
      sector: { type: 'string' },
      region: { type: 'string' },
      tier: { type: 'string', enum: [...TIERS] },
      status: { type: 'string', enum: [...ORG_STATUSES] },
      trial: { type: 'object', properties: { startsAt: { type: 'string' }, endsAt: { type: 'string' } } },
      contacts: { type: 'array', items: { type: 'string' } },
      identityId: { type: 'string' },
      pgpPublicKey: { type: 'string' },
      createdAt: { type: 'string' },
      updatedAt: { type: 'string' },
    },
  } as const;
  return { create, update, extendTrial, convert, retire, org };
}
