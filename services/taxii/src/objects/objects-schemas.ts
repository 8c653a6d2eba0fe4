/** The TAXII envelope as a request body: its objects are checked one by one by the ingest pipeline. */
export const envelopeSchema = {
  type: 'object',
  properties: {
    objects: { type: 'array' },
    more: { type: 'boolean' },
    next: { type: 'string' },
  },
} as const;
