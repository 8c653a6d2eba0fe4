import { defaultsOf, type ConfigOf } from '@isac/config';

/**
 * The feeds service's slice of the configuration (ADR 0041): how often partner feeds are pulled
 * and how a failing one is retried. The feeds themselves (URL, collection, credentials, partner)
 * are data, added with `isac admin feed add`, not configuration.
 */
export const feedsConfigSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    /** False: no feed is pulled (feeds can still be added, listed and shown). */
    enabled: { type: 'boolean', default: true },
    /** Seconds between two pulls of a feed that succeeded (a feed may set its own). */
    intervalSeconds: { type: 'integer', minimum: 1, default: 300 },
    /** Objects asked for per page (TAXII `limit`); a server may answer fewer. */
    pageLimit: { type: 'integer', minimum: 1, maximum: 10_000, default: 1000 },
    /** One HTTP request (headers and body) longer than this fails as a timeout. */
    requestTimeoutMs: { type: 'integer', minimum: 100, default: 30_000 },
    /** First retry delay after a failure; doubled per consecutive failure, up to maxBackoffMs. */
    backoffMs: { type: 'integer', minimum: 1, default: 5_000 },
    maxBackoffMs: { type: 'integer', minimum: 1, default: 3_600_000 },
    /** Largest response body accepted from a partner, in octets. */
    maxResponseBytes: { type: 'integer', minimum: 1024, default: 64 * 1024 * 1024 },
    /** Feeds pulled at the same time. */
    concurrency: { type: 'integer', minimum: 1, default: 2 },
    /** How often the schedule looks for due feeds, in milliseconds. */
    tickMs: { type: 'integer', minimum: 10, default: 1000 },
    /** The hub collection imported objects are stored in (default: the shared collection). */
    collectionId: {
      type: 'string',
      pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$',
      default: '5b1c6f2e-8a3d-4c7e-9f10-2a4b6c8d0e1f',
    },
    /**
     * Push to partner hubs (ADR 0042). Partners are data (`isac admin partner add`); this says how
     * often they are served and how large a batch is. Timeouts, back-off and the response cap are
     * the ones above.
     */
    push: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        /** False: nothing is pushed (partners can still be added, listed and shown). */
        enabled: { type: 'boolean', default: true },
        /** How often every partner is looked at for new versions, in milliseconds. */
        pollMs: { type: 'integer', minimum: 10, default: 5_000 },
        /** Versions read from a source collection per batch; the cursor moves once per batch. */
        batchSize: { type: 'integer', minimum: 1, maximum: 10_000, default: 500 },
        /** Largest envelope POSTed, in octets (a batch is split to fit; keep under the partner's max_content_length). */
        maxEnvelopeBytes: { type: 'integer', minimum: 1024, default: 8 * 1024 * 1024 },
        /** While a status resource is pending, it is read again this often ... */
        statusPollMs: { type: 'integer', minimum: 10, default: 1_000 },
        /** ... for at most this long; then the batch is recorded with its pending count. */
        statusTimeoutMs: { type: 'integer', minimum: 0, default: 60_000 },
      },
    },
  },
} as const;

export type FeedsConfig = ConfigOf<typeof feedsConfigSchema>;

/** Every default applied: what tests and the hub get from an empty slice. */
export const DEFAULT_FEEDS_CONFIG: FeedsConfig = defaultsOf(feedsConfigSchema);
