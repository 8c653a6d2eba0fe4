/**
 * The firewall and IDS exports (ADR 0043): plain text for the pollers of external dynamic lists,
 * CSV, Suricata rules. The lists' kinds are those of `EXPORT_KINDS` in the taxii service.
 */
export const EXPORT_LIST_KINDS = [
  'ipv4',
  'ipv6',
  'cidr',
  'domain',
  'url',
  'email',
  'md5',
  'sha1',
  'sha256',
  'sha512',
] as const;

/** `GET /api/v1/exports/lists/{kind}` query. */
export const exportListQuerySchema = {
  type: 'object',
  properties: {
    comments: {
      type: 'string',
      enum: ['none', 'header'],
      description:
        'none (default): values only, one per line; header: two `#` lines first (FortiGate and most pollers skip them)',
    },
  },
} as const;

/** `GET /api/v1/exports/csv` query. */
export const exportCsvQuerySchema = {
  type: 'object',
  properties: {
    kind: {
      type: 'string',
      enum: [...EXPORT_LIST_KINDS],
      description: 'only rows of this kind (default: all)',
    },
  },
} as const;
