/**
 * The id of the hub's own property-extension, which carries a submitter's distribution
 * instructions (named recipients, whether to be named, exercise) on objects pushed over TAXII.
 * Those instructions are for the hub alone: the policy strips the extension from every copy
 * released to an organisation other than the submitter's (ADR 0004).
 */
export const HUB_EXTENSION_ID = 'extension-definition--39e0424c-cb82-4a34-bf52-94f60e140143';
