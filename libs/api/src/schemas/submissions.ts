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
  exercise: { type: 'boolean', default: false },
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
  readonly exercise: boolean;
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
    ...distribution,
  },
} as const;

export interface IndicatorBody {
  readonly kind: (typeof IOC_KINDS)[number];
  readonly value: string;
  readonly tlp: string;
  readonly name?: string;
  readonly namedRecipients?: string[];
  readonly named: boolean;
  readonly exercise: boolean;
  readonly collectionId?: string;
}
