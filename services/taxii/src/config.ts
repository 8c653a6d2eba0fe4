import { defaultsOf, type ConfigOf } from '@isac/config';

/**
 * The taxii service's slice of the configuration: one JSON Schema with defaults (validated by
 * libs/config); `TaxiiConfig` and `DEFAULT_TAXII_CONFIG` derive from it.
 */

/** The collection every default install has: readable and writable, so a standard client can push and read back. */
export const DEFAULT_COLLECTION_ID = '5b1c6f2e-8a3d-4c7e-9f10-2a4b6c8d0e1f';

/** The default install's exercise collection (ADR 0026): the exercise objects of the shared collection. */
export const DEFAULT_EXERCISE_COLLECTION_ID = '9c2e4a6b-1d3f-4e5a-8b7c-0d2f4a6c8e1b';

const collectionSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'title'],
  properties: {
    id: { type: 'string', pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$' },
    title: { type: 'string', minLength: 1 },
    description: { type: 'string' },
    alias: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' },
    canRead: { type: 'boolean', default: true },
    canWrite: { type: 'boolean', default: true },
    /**
     * Makes this an exercise collection (ADR 0026): it serves the exercise objects submitted to the
     * collection with this id (in the same API root), and nothing else; that collection never
     * serves them. Exercise collections are read-only.
     */
    exerciseOf: {
      type: 'string',
      pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$',
    },
  },
} as const;

const apiRootSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'title'],
  properties: {
    /** The URL segment: `/taxii2/{name}/`. */
    name: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' },
    title: { type: 'string', minLength: 1 },
    description: { type: 'string' },
    collections: { type: 'array', items: collectionSchema, default: [] },
  },
} as const;

export const taxiiConfigSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    title: { type: 'string', minLength: 1, default: 'ISAC Sharing Hub TAXII 2.1 server' },
    description: {
      type: 'string',
      default: 'Cross-sector threat intelligence shared under TLP between ISAC members',
    },
    contact: { type: 'string' },
    apiRoots: {
      type: 'array',
      minItems: 1,
      items: apiRootSchema,
      default: [
        {
          name: 'isac',
          title: 'ISAC shared intelligence',
          description:
            'Submissions from members, released to each organisation as the distribution policy allows. ' +
            'Extension: the objects and manifest endpoints also take match[x_isac_value] (an address, CIDR, ' +
            'domain and its subdomains, URL prefix, hash or email address; ADR 0047)',
          collections: [
            {
              id: DEFAULT_COLLECTION_ID,
              title: 'Shared intelligence',
              description: 'Every member submission; each organisation reads what its tier and the TLP allow',
              alias: 'shared',
              canRead: true,
              canWrite: true,
            },
            {
              id: DEFAULT_EXERCISE_COLLECTION_ID,
              title: 'Exercises',
              description:
                'Objects of exercises (drills) submitted to the shared collection, marked EXERCISE: never live intelligence',
              alias: 'exercise',
              canRead: true,
              canWrite: false,
              exerciseOf: DEFAULT_COLLECTION_ID,
            },
          ],
        },
      ],
    },
    /** The largest request body, in octets (TAXII max_content_length); larger bodies get 413. */
    maxContentLength: { type: 'integer', minimum: 1024, default: 10 * 1024 * 1024 },
    /** More objects than this in one envelope or bundle: 413, nothing stored. */
    maxObjectsPerEnvelope: { type: 'integer', minimum: 1, default: 10_000 },
    defaultPageLimit: { type: 'integer', minimum: 1, default: 1000 },
    maxPageLimit: { type: 'integer', minimum: 1, default: 10_000 },
    /**
     * Submissions of more objects are large (ADR 0019): processed one at a time, in arrival order.
     * Every step of any submission gives the event loop a turn every few milliseconds.
     */
    ingestSliceObjects: { type: 'integer', minimum: 1, default: 250 },
    /** Large submissions that may wait behind the one being processed; more get 429 + Retry-After. */
    maxQueuedSubmissions: { type: 'integer', minimum: 0, default: 2 },
    /** created/modified further ahead of the hub's clock than this: the object is refused. */
    maxFutureSkewSeconds: { type: 'integer', minimum: 0, default: 86_400 },
    /** Write one `object.release` audit record per read page that released objects. */
    auditReads: { type: 'boolean', default: true },
  },
} as const;

export type TaxiiConfig = ConfigOf<typeof taxiiConfigSchema>;
export type ApiRootConfig = TaxiiConfig['apiRoots'][number];
export type CollectionConfig = ApiRootConfig['collections'][number];

/** The configuration with every default applied: what tests and the hub get from an empty slice. */
export const DEFAULT_TAXII_CONFIG: TaxiiConfig = defaultsOf(taxiiConfigSchema);
