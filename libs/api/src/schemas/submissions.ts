import { IOC_KINDS } from '@isac/stix';
import { SAFE_TEXT } from './common.js';

const TLP_NAMES = [
  'clear',
  'white',
  'green',
  'amber',
  'amber+strict',
  'red',
  'TLP:CLEAR',
  'TLP:WHITE',
  'TLP:GREEN',
  'TLP:AMBER',
  'TLP:AMBER+STRICT',
  'TLP:RED',
];

const distribution = {
  namedRecipients: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 200 }, maxItems: 1000 },
  named: { type: 'boolean', default: false },
  exercise: {
    oneOf: [{ type: 'boolean' }, { type: 'string', minLength: 1, maxLength: 64 }],
    default: false,
    description: 'the id of the running exercise this drill submission belongs to (ADR 0033); false for live',
  },
  collectionId: { type: 'string', minLength: 1, maxLength: 100 },
} as const;

/** `POST /api/v1/submissions`: a STIX bundle and how to distribute it. */
export const submissionSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['bundle'],
  properties: {
    bundle: { type: 'object' },
    defaultTlp: { type: 'string', enum: TLP_NAMES },
    ...distribution,
  },
} as const;

export interface SubmissionBody {
  readonly bundle: Record<string, unknown>;
  readonly defaultTlp?: string;
  readonly namedRecipients?: string[];
  readonly named: boolean;
  readonly exercise: boolean | string;
  readonly collectionId?: string;
}

/** `POST /api/v1/indicators`: one plain IOC. */
export const indicatorSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['kind', 'value', 'tlp'],
  properties: {
    kind: { type: 'string', enum: [...IOC_KINDS] },
    value: { type: 'string', minLength: 1, maxLength: 4096 },
    tlp: { type: 'string', enum: TLP_NAMES },
    name: { type: 'string', minLength: 1, maxLength: 500, pattern: SAFE_TEXT },
    confidence: { type: 'integer', minimum: 0, maximum: 100, description: 'STIX confidence, 0-100' },
    validUntil: {
      type: 'string',
      maxLength: 40,
      description: 'a timestamp (2024-01-15T12:30:45Z) or a duration from now: 90m, 12h, 30d, 2w',
    },
    labels: {
      type: 'array',
      maxItems: 50,
      uniqueItems: true,
      items: { type: 'string', minLength: 1, maxLength: 100, pattern: SAFE_TEXT },
    },
    killChainPhases: {
      type: 'array',
      maxItems: 20,
      items: { type: 'string', minLength: 1, maxLength: 200 },
      description: 'PHASE of the lockheed-martin-cyber-kill-chain, or CHAIN:PHASE',
    },
    ...distribution,
  },
} as const;

export interface IndicatorBody {
  readonly kind: (typeof IOC_KINDS)[number];
  readonly value: string;
  readonly tlp: string;
  readonly name?: string;
  readonly confidence?: number;
  readonly validUntil?: string;
  readonly labels?: string[];
  readonly killChainPhases?: string[];
  readonly namedRecipients?: string[];
  readonly named: boolean;
  readonly exercise: boolean | string;
  readonly collectionId?: string;
}

/** `POST /api/v1/objects/{id}/retract` (ADR 0028): why the object is taken back, for recipients. */
export const retractSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    reason: {
      type: 'string',
      minLength: 1,
      maxLength: 1000,
      pattern: SAFE_TEXT,
      description: 'shown to recipients in the retraction notice (MQTT and email)',
    },
  },
} as const;

export interface RetractBody {
  readonly reason?: string;
}

/** The answer to a retraction: the revoked version stored, or the one stored before. */
export const retractionSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['objectId', 'version', 'alreadyRetracted'],
  properties: {
    objectId: { type: 'string' },
    version: { type: 'string', description: 'the revoked version (its `modified`)' },
    alreadyRetracted: {
      type: 'boolean',
      description: 'true: the object was retracted before; nothing was stored or sent now',
    },
    statusId: { type: 'string', description: 'the status resource of the stored retraction' },
    reason: { type: 'string' },
  },
} as const;
