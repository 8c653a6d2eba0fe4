import type { ObservableKind } from '@isac/kernel';

/** One value on a warning list, with what people need to recognise it (an operator, an RFC). */
export interface WarningEntry {
  /** An IP address or CIDR range, a domain (matched with its subdomains), an e-mail address, a hex digest or a URL. */
  readonly value: string;
  readonly note?: string;
}

/** A named list of values that must not reach members' block lists. */
export interface WarningList {
  /** Lower-case id, e.g. `public-dns`; a list given later under the same name replaces it. */
  readonly name: string;
  /**
   * Hard lists (reserved ranges, special-use domains) hold values that are never one host on the
   * Internet: an administrator's allow-list cannot override them.
   */
  readonly hard?: boolean;
  /** What a value on the list is, for messages: `a public DNS resolver`. */
  readonly what: string;
  /** The same in Japanese: `公開DNSリゾルバ`. */
  readonly whatJa: string;
  readonly source?: string;
  readonly licence?: string;
  /** When the list was taken from its source (YYYY-MM-DD). */
  readonly retrieved?: string;
  readonly entries: readonly WarningEntry[];
}

export interface GateObservable {
  readonly kind: ObservableKind;
  readonly value: string;
}

export interface GateSettings {
  /** Ranges wider than this (a smaller prefix length) never go to block lists. Default 24. */
  readonly widestPrefixV4?: number;
  /** The same for IPv6. Default 48. */
  readonly widestPrefixV6?: number;
  /**
   * Values an administrator has cleared for block lists despite a warning-list hit: an address or
   * range (covers the addresses in it), a domain (that name only) or `*.domain` (its subdomains),
   * an e-mail address, a hex digest or a URL (that URL only). Never overrides the width rule, the
   * hub's own hosts or a hard list.
   */
  readonly allowList?: readonly string[];
  /** Lists loaded from a refresh file (see `parseWarningListFile`); same name replaces a shipped list. */
  readonly extraLists?: readonly WarningList[];
  /** The hub's own host names and addresses (its public URL's host, its MQTT and SMTP hosts). */
  readonly hubHosts?: readonly string[];
}

/**
 * Why a value may not go to block lists:
 * - `invalid`: not a value of its kind;
 * - `too-wide`: a range wider than the widest prefix;
 * - `hub-host`: the hub's own host, a range containing it or a domain above it;
 * - `reserved`: a special-purpose, reserved or multicast range, a special-use domain, a name under
 *   no Internet top-level domain (hard lists);
 * - `public-suffix`: a top-level domain or another public suffix (`co.jp`, `github.io`);
 * - `warning-list`: on a warning list (public resolvers, CDN edges, well-known domains, empty-file
 *   hashes, lists loaded from a file), not cleared by the allow-list.
 */
export type GateReason = 'invalid' | 'too-wide' | 'hub-host' | 'reserved' | 'public-suffix' | 'warning-list';

/** The list entry a value hit. */
export interface GateHit {
  /** The list: a warning list's name, or `hub-hosts`, `public-suffix-list`, `widest-prefix`. */
  readonly name: string;
  /** The entry that was hit, e.g. `10.0.0.0/8`, `microsoft.com`, `/24`. */
  readonly entry: string;
  readonly note?: string;
}

export type GateVerdict =
  | {
      readonly ok: true;
      /** Set when an allow-list entry cleared a warning-list hit: the entry, and the hit it overrode. */
      readonly allowedBy?: string;
      readonly overrode?: GateHit;
    }
  | {
      readonly ok: false;
      readonly reason: GateReason;
      /** One English sentence: `8.8.8.8 is a public DNS resolver: Google Public DNS (warning list: public-dns)`. */
      readonly message: string;
      readonly messageJa: string;
      readonly list?: GateHit;
    };
