/**
 * Every rule the validator reports, by its stable code: what a reader of a report (the console,
 * ADR 0039) translates, so a code is added here before a check may use it.
 */
export const STIX_RULES = [
  'bundle-objects',
  'bundle-spec-version',
  'bundle-type',
  'charset',
  'cpe',
  'custom-extension',
  'custom-object',
  'custom-property',
  'deprecated-property',
  'dictionary-key',
  'duplicate-object',
  'empty-dictionary',
  'empty-list',
  'enum-value',
  'extension-key',
  'extension-type',
  'external-reference',
  'forbidden-key',
  'granular-marking',
  'granular-selector',
  'hash-value',
  'id-format',
  'id-namespace',
  'id-type-mismatch',
  'id-uuid-version',
  'kill-chain-phase',
  'language-tag',
  'marking-definition',
  'marking-self-reference',
  'max-collection-size',
  'max-depth',
  'max-string-length',
  'mutually-exclusive',
  'nested-bundle',
  'not-an-object',
  'open-vocab',
  'pattern-cidr',
  'pattern-duplicate-qualifier',
  'pattern-hash',
  'pattern-hex',
  'pattern-integer',
  'pattern-mixed-types',
  'pattern-name',
  'pattern-object-type',
  'pattern-property',
  'pattern-qualifier-range',
  'pattern-regex',
  'pattern-set',
  'pattern-syntax',
  'pattern-timestamp',
  'pattern-version',
  'property-dependency',
  'property-name',
  'property-type',
  'reference-format',
  'reference-type',
  'registry-hive',
  'relationship-type',
  'required-property',
  'reserved-property',
  'spec-version',
  'timestamp-format',
  'timestamp-order',
  'timestamp-precision',
  'tlp-marking',
  'too-many-objects',
  'value-format',
  'value-range',
] as const;

export type StixRule = (typeof STIX_RULES)[number];

/** What the validator says about one object: where, which rule, and a sentence a person understands. */
export interface StixIssue {
  /** JSON pointer (RFC 6901) inside the object, e.g. "/valid_until"; "" for the object itself. */
  path: string;
  /** Stable rule code, e.g. "required-property". */
  rule: StixRule;
  message: string;
}

export interface ObjectReport {
  /** Position in the bundle's `objects` (0 for a lone object). */
  index: number;
  id: string | undefined;
  type: string | undefined;
  /** True when `errors` is empty; warnings never make an object invalid. */
  valid: boolean;
  errors: StixIssue[];
  warnings: StixIssue[];
}

export interface BundleReport {
  /** True when there are no bundle errors and every object is valid. */
  valid: boolean;
  /** Problems with the bundle itself (not an object, wrong type or id, `objects` not a list…). */
  bundleErrors: StixIssue[];
  /** Bundle-level warnings (e.g. two objects with the same id and modified). */
  bundleWarnings: StixIssue[];
  objects: ObjectReport[];
}

export interface ValidateOptions {
  /** Unused by the checks today (no rule depends on the clock); kept so callers can pass their Clock's time. */
  now?: Date;
  /** Deepest nesting of arrays/objects inside one object (default 32). */
  maxDepth?: number;
  /** Longest string value or key, in UTF-16 code units (default 1 MiB). */
  maxStringLength?: number;
  /** Most properties/elements in one object or array (default 100 000). */
  maxCollectionSize?: number;
  /** Most objects in one bundle (default 1 000 000). */
  maxObjects?: number;
}

/** Escapes one JSON pointer segment (RFC 6901). */
export function pointerSegment(s: string): string {
  return s.indexOf('~') < 0 && s.indexOf('/') < 0 ? s : s.replace(/~/g, '~0').replace(/\//g, '~1');
}
