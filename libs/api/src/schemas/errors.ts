import type { FromSchema } from 'json-schema-to-ts';
import type { ErrorCode } from '@isac/kernel';

/** Every `code` the hub answers with: the domain's error codes, and `internal_error` (a bare 500). */
export const ERROR_CODES = [
  'validation_failed',
  'unauthenticated',
  'forbidden',
  'not_found',
  'not_acceptable',
  'conflict',
  'payload_too_large',
  'unsupported_media_type',
  'invalid_stix',
  'too_many_requests',
  'transient',
  'internal_error',
] as const satisfies readonly (ErrorCode | 'internal_error')[];

/** Fails to compile when libs/kernel gains an error code that the contract does not list. */
export type UnlistedErrorCodes = Exclude<ErrorCode, (typeof ERROR_CODES)[number]>;
const everyCodeListed: [UnlistedErrorCodes] extends [never] ? true : UnlistedErrorCodes = true;
void everyCodeListed;

const problemSchema = {
  type: 'object',
  required: ['path', 'message'],
  properties: {
    path: { type: 'string', description: 'JSON pointer of the bad field' },
    message: { type: 'string' },
    rule: { type: 'string' },
    allowedValues: {
      type: 'array',
      items: { type: ['string', 'null'] },
      description: 'for a value outside a fixed list: the values allowed (null: the field may be cleared)',
    },
  },
} as const;

/** The REST error body (every route under /api/ and /.well-known/). */
export const restErrorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'errorId'],
      properties: {
        code: { type: 'string', enum: ERROR_CODES },
        message: { type: 'string' },
        errorId: { type: 'string' },
        details: { type: 'array', items: problemSchema },
      },
    },
  },
} as const;

/** The TAXII 2.1 error resource (every route under /taxii2/), the same facts in TAXII's names. */
export const taxiiErrorSchema = {
  type: 'object',
  required: ['title', 'http_status'],
  properties: {
    title: { type: 'string' },
    description: { type: 'string' },
    error_id: { type: 'string' },
    error_code: { type: 'string', enum: ERROR_CODES },
    http_status: { type: 'string' },
    details: {
      type: 'object',
      properties: { problems: { type: 'array', items: problemSchema } },
    },
  },
} as const;

export type RestErrorBody = FromSchema<typeof restErrorSchema>;
export type TaxiiErrorBody = FromSchema<typeof taxiiErrorSchema>;
export type ErrorProblem = FromSchema<typeof problemSchema>;
