import type { FromSchema } from 'json-schema-to-ts';
/** `GET /api/v1/hub`: the hub's name, its own STIX identity (the `created_by_ref` recipients see) and versions. */
export const hubInfoSchema = {
  type: 'object',
  required: ['name', 'orgId', 'identity', 'versions'],
  properties: {
    name: { type: 'string' },
    orgId: { type: 'string', description: "the hub's own organisation (its administrators' organisation)" },
    identity: {
      type: 'object',
      description: 'the STIX 2.1 identity that replaces anonymous submitters in what recipients receive',
      required: ['type', 'spec_version', 'id', 'created', 'modified', 'name', 'identity_class'],
      properties: {
        type: { const: 'identity' },
        spec_version: { const: '2.1' },
        id: { type: 'string', pattern: '^identity--' },
        created: { type: 'string' },
        modified: { type: 'string' },
        name: { type: 'string' },
        identity_class: { type: 'string' },
      },
    },
    versions: {
      type: 'object',
      required: ['api', 'stix', 'taxii'],
      properties: { api: { type: 'string' }, stix: { type: 'string' }, taxii: { type: 'string' } },
    },
  },
} as const;

export type HubInfo = FromSchema<typeof hubInfoSchema>;
