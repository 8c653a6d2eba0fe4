import { readFileSync } from 'node:fs';
import {
  BlocklistGate,
  formatWarningListFileErrors,
  parseWarningListFile,
  type GateSettings,
  type WarningList,
} from '@isac/policy';
import type { ConfigOf } from './config-of.js';

/**
 * The block-list gate's settings (issue 14 point 3, ADR 0030): a section of its own, `blocklist`,
 * read by every process that applies the gate: the dispatcher (what reaches block lists) and the
 * ingest (what the submitter's status says), alone or in the one-process hub.
 */
export const blocklistConfigSchema = {
  type: 'object',
  additionalProperties: false,
  default: {},
  properties: {
    enabled: { type: 'boolean', default: true },
    /** Address ranges wider than these prefixes never go to block lists (issue 14, section 3). */
    widestPrefixV4: { type: 'integer', minimum: 0, maximum: 32, default: 24 },
    widestPrefixV6: { type: 'integer', minimum: 0, maximum: 128, default: 48 },
    /** Days an `add` entry lives when its indicator has no `valid_until`, per observable kind. */
    expiryDays: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        ipv4: { type: 'integer', minimum: 1, default: 30 },
        ipv6: { type: 'integer', minimum: 1, default: 30 },
        domain: { type: 'integer', minimum: 1, default: 90 },
        url: { type: 'integer', minimum: 1, default: 90 },
        email: { type: 'integer', minimum: 1, default: 90 },
        'file-hash': { type: 'integer', minimum: 1, default: 365 },
      },
    },
    /** Values an administrator cleared despite a warning-list hit (see GateSettings.allowList). */
    allowList: { type: 'array', items: { type: 'string', minLength: 1 }, default: [] },
    /** The hub's own host names and addresses, beside those of its configured URLs. */
    hubHosts: { type: 'array', items: { type: 'string', minLength: 1 }, default: [] },
    /** Warning-list files (JSON, `parseWarningListFile`) loaded at start; a same-named list replaces a shipped one. */
    listFiles: { type: 'array', items: { type: 'string', minLength: 1 }, default: [] },
  },
} as const;

export type BlocklistConfig = ConfigOf<typeof blocklistConfigSchema>;

/** The gate settings of `blocklist`, with the lists read from its files and the hub's hosts from its URLs. */
export function blocklistGateSettings(
  cfg: BlocklistConfig,
  extra: { readonly lists?: readonly WarningList[]; readonly hubHosts?: readonly string[] } = {},
): GateSettings {
  return {
    widestPrefixV4: cfg.widestPrefixV4,
    widestPrefixV6: cfg.widestPrefixV6,
    allowList: cfg.allowList,
    extraLists: extra.lists ?? [],
    hubHosts: [...cfg.hubHosts, ...(extra.hubHosts ?? [])],
  };
}

/**
 * The block-list gate of `blocklist`: the warning-list files read now (a bad file stops the start
 * with its lines named), the hub's own hosts beside those of the URLs this process knows (`urls`:
 * its broker, TAXII and public URLs; a process that knows fewer relies on `blocklist.hubHosts`).
 */
export function blocklistGateOf(cfg: BlocklistConfig, urls: readonly (string | undefined)[]): BlocklistGate {
  const lists: WarningList[] = [];
  for (const file of cfg.listFiles) {
    const parsed = parseWarningListFile(readFileSync(file, 'utf8'));
    if (!parsed.ok)
      throw new Error(`blocklist.listFiles: ${file}:\n${formatWarningListFileErrors(parsed.errors)}`);
    lists.push(...parsed.lists);
  }
  const hubHosts = new Set<string>();
  for (const url of urls) {
    if (url === undefined) continue;
    try {
      const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
      if (host) hubHosts.add(host);
    } catch {
      // not a URL: nothing to add
    }
  }
  return new BlocklistGate(blocklistGateSettings(cfg, { lists, hubHosts: [...hubHosts] }));
}
