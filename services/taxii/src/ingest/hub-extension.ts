/**
 * The hub's STIX property-extension for TAXII pushes: what the REST fields `namedRecipients`,
 * `named` and `exercise` say, carried on the object itself (ADR 0004).
 *
 * ```json
 * "extensions": { "extension-definition--39e0424c-cb82-4a34-bf52-94f60e140143": {
 *   "extension_type": "property-extension",
 *   "named_recipients": ["bank-a", "identity--…"], "submitter_named": false, "exercise": "ex-delta-wall" } }
 * ```
 */
import { HUB_EXTENSION_ID } from '@isac/stix';

export { HUB_EXTENSION_ID };

/** The extension-definition object, for members' TIPs to import. */
export const HUB_EXTENSION_DEFINITION = Object.freeze({
  type: 'extension-definition',
  spec_version: '2.1',
  id: HUB_EXTENSION_ID,
  created: '2026-01-01T00:00:00.000Z',
  modified: '2026-01-01T00:00:00.000Z',
  name: 'ISAC hub distribution',
  description:
    'Distribution instructions for the ISAC sharing hub: named_recipients (organisation ids or their identity ids; they narrow the audience and are required for TLP:RED), submitter_named (true to be named to recipients instead of anonymous), exercise (the id of the running exercise a drill object belongs to; false or absent for live intelligence).',
  schema: 'https://isac.example/schemas/hub-distribution-extension.json',
  version: '1.0.0',
  extension_types: ['property-extension'],
});

export interface HubExtension {
  readonly namedRecipients?: readonly string[] | undefined;
  readonly named?: boolean | undefined;
  /** An exercise id (ADR 0033); `true` alone is refused by the classification, false is live. */
  readonly exercise?: boolean | string | undefined;
}

/** Reads the hub extension of an object: undefined when absent, a message when malformed. */
export function readHubExtension(obj: Readonly<Record<string, unknown>>): {
  value?: HubExtension;
  error?: string;
} {
  const exts = obj['extensions'];
  if (typeof exts !== 'object' || exts === null) return {};
  const e = (exts as Record<string, unknown>)[HUB_EXTENSION_ID];
  if (e === undefined) return {};
  if (typeof e !== 'object' || e === null || Array.isArray(e))
    return { error: 'the hub extension must be an object' };
  const x = e as Record<string, unknown>;
  const nr = x['named_recipients'];
  if (nr !== undefined && (!Array.isArray(nr) || nr.some((r) => typeof r !== 'string' || r === ''))) {
    return { error: 'named_recipients in the hub extension must be a list of organisation ids' };
  }
  if (x['submitter_named'] !== undefined && typeof x['submitter_named'] !== 'boolean')
    return { error: 'submitter_named in the hub extension must be true or false' };
  const ex = x['exercise'];
  if (ex !== undefined && ex !== false && (typeof ex !== 'string' || ex === ''))
    return {
      error: 'exercise in the hub extension must be the exercise id (or false) / 演習IDを指定してください',
    };
  return {
    value: {
      namedRecipients: nr as string[] | undefined,
      named: x['submitter_named'],
      exercise: ex,
    },
  };
}
