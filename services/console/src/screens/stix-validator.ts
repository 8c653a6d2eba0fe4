/**
 * The STIX validator, in its own chunk: bundle-check.ts imports this file dynamically, so the
 * validator (and its language-tag table) loads only when someone checks a bundle.
 */
export { validateBundle } from '@isac/stix';
