/**
 * How the hub compares STIX identifiers (ADR 0017). STIX 2.1 (§2.9) requires an RFC 4122 UUID,
 * and RFC 4122 makes its hex digits case-insensitive on input (the OASIS JSON schema accepts
 * A-F), so `indicator--0A1B…` and `indicator--0a1b…` are one object. Objects are stored exactly
 * as sent; every comparison and every lookup uses the canonical (lower-case) form.
 */
export function canonicalId(id: string): string {
  return id.toLowerCase();
}

/** Whether two identifiers name the same object. */
export function sameId(a: string, b: string): boolean {
  return a.length === b.length && canonicalId(a) === canonicalId(b);
}
