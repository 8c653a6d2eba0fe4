/** A STIX object as JSON: the validator checks the shape, types here stay open. */
export type StixObject = Record<string, unknown>;
