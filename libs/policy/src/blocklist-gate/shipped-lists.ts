/**
 * The warning lists shipped with the hub (libs/policy/data/warninglists, sources and licences in
 * SOURCES.md there). Imported as JSON modules: no file is read at run time.
 */
import cdn from '../../data/warninglists/cdn.json' with { type: 'json' };
import emptyHashes from '../../data/warninglists/empty-hashes.json' with { type: 'json' };
import ipv6Reserved from '../../data/warninglists/ipv6-reserved.json' with { type: 'json' };
import multicast from '../../data/warninglists/multicast.json' with { type: 'json' };
import publicDns from '../../data/warninglists/public-dns.json' with { type: 'json' };
import specialPurposeIpv4 from '../../data/warninglists/special-purpose-ipv4.json' with { type: 'json' };
import specialPurposeIpv6 from '../../data/warninglists/special-purpose-ipv6.json' with { type: 'json' };
import specialUseDomains from '../../data/warninglists/special-use-domains.json' with { type: 'json' };
import wellKnownDomains from '../../data/warninglists/well-known-domains.json' with { type: 'json' };
import type { WarningList } from './types.js';

/** Hard lists first: when a value is on several lists, the first one is reported. */
export const SHIPPED_WARNING_LISTS: readonly WarningList[] = Object.freeze([
  specialPurposeIpv4,
  specialPurposeIpv6,
  ipv6Reserved,
  multicast,
  specialUseDomains,
  publicDns,
  cdn,
  wellKnownDomains,
  emptyHashes,
] satisfies WarningList[]);
