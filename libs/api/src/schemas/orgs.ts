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
  /** Block-list promotion (ADR 0030), hub administrators only: absent keeps, null clears (a field or all). */
  blocklist?: { minConfidence?: number | null; approval?: boolean } | null;
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

const REGION_HELP =
  'a prefecture by code (13, JP-13) or name in Japanese or English (東京都, 東京, Tokyo), or a country by ISO 3166-1 code or name (SG, Singapore); stored as the canonical code (JP-13, SG); anything else is refused with the nearest matches';

const PGP = {
  type: 'string',
  minLength: 1,
  maxLength: 100_000,
  pattern: '^\\s*-----BEGIN PGP PUBLIC KEY BLOCK-----',
} as const;

export function orgSchemas(config: ApiSettings) {
  // A controlled vocabulary the service resolves (libs/regions): codes and names in either language,
  // so no enum here; the stored and answered value is the canonical code.
  const region = {
    ...nameSchema,
    maxLength: 100,
    description: `${REGION_HELP}${config.regions ? `; this hub accepts: ${config.regions.join(', ')}` : ''}`,
  } as const;
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
      region: { ...region, type: ['string', 'null'] } as const,
      contacts: { ...contacts, type: ['array', 'null'] },
      pgpPublicKey: { ...PGP, type: ['string', 'null'] },
      blocklist: {
        type: ['object', 'null'],
        additionalProperties: false,
        minProperties: 1,
        description:
          'block-list promotion of what this organisation submits (ADR 0030), hub administrators only; null clears',
        properties: {
          minConfidence: {
            type: ['integer', 'null'],
            minimum: 0,
            maximum: 100,
            description:
              'indicators below this STIX confidence (or without one) are never pushed to block lists; null clears',
          },
          approval: {
            type: 'boolean',
            description: 'indicators wait for a hub analyst to approve them before any block-list push',
          },
        },
      },
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
      region: {
        type: 'string',
        description:
          'the canonical code (JP-13, SG), or empty; free text kept from before the vocabulary when regionUnresolved',
      },
      regionNames: {
        type: 'object',
        required: ['ja', 'en'],
        properties: { ja: { type: 'string' }, en: { type: 'string' } },
        description:
          "the region's names in Japanese and English (absent when there is none or it is unresolved)",
      },
      regionUnresolved: {
        type: 'boolean',
        enum: [true],
        description: 'the region is free text a migration could not resolve; set a region to fix it',
      },
      trialState: {
        type: 'object',
        required: ['status', 'daysLeft'],
        description: "trial members only: the trial's state now, as login and delivery judge it (grace days)",
        properties: {
          status: { type: 'string', enum: ['active', 'grace', 'expired', 'not_started', 'undated'] },
          daysLeft: { type: 'integer', minimum: 0, description: 'whole days to the end, rounded up' },
          graceUntil: { type: 'string', description: 'during grace: when access ends' },
        },
      },
      tier: { type: 'string', enum: [...TIERS] },
      status: { type: 'string', enum: [...ORG_STATUSES] },
      trial: {
        type: 'object',
        required: ['startsAt', 'endsAt'],
        properties: { startsAt: { type: 'string' }, endsAt: { type: 'string' } },
      },
      contacts: { type: 'array', items: { type: 'string' } },
      identityId: { type: 'string' },
      pgpPublicKey: { type: 'string' },
      blocklist: {
        type: 'object',
        required: ['approval'],
        description: 'block-list promotion of what it submits (ADR 0030); absent: as the gate decides',
        properties: {
          minConfidence: { type: 'integer', minimum: 0, maximum: 100 },
          approval: { type: 'boolean' },
        },
      },
      createdAt: { type: 'string' },
      updatedAt: { type: 'string' },
    },
  } as const;
  return { create, update, extendTrial, convert, retire, org };
}
