import { ValidationError, type ErrorDetail, type ObservableKind } from '@isac/kernel';
import { getDomain, parse as parseHost } from 'tldts';
import { PrefixTrie, type PrefixRelation } from './prefix-trie.js';
import { SHIPPED_WARNING_LISTS } from './shipped-lists.js';
import type { GateHit, GateObservable, GateReason, GateSettings, GateVerdict, WarningList } from './types.js';
import {
  ancestors,
  parseDomain,
  parseEmail,
  parseEntryValue,
  parseHash,
  parseIpv4,
  parseIpv6,
  parseUrl,
  type DomainValue,
  type IpValue,
  type Parsed,
  type ParsedValue,
} from './values.js';

export const DEFAULT_WIDEST_PREFIX_V4 = 24;
export const DEFAULT_WIDEST_PREFIX_V6 = 48;

/** One entry of one list, as the indexes hold it. */
interface Ref {
  readonly list: string;
  readonly entry: string;
  readonly note?: string;
  readonly what: string;
  readonly whatJa: string;
}

type Relation = PrefixRelation;
interface Found {
  readonly ref: Ref;
  readonly relation: Relation;
}

/** Addresses, domains and exact values of one group of lists, indexed once. */
class ListIndex {
  readonly v4 = new PrefixTrie<Ref>(32);
  readonly v6 = new PrefixTrie<Ref>(128);
  private readonly domains = new Map<string, Ref>();
  private readonly above = new Map<string, Ref>();
  private readonly exact = new Map<string, Ref>();

  /**
   * @param publicSuffixBoundary when true, a domain entry covers its subdomains only down to the
   * registrable domain: `github.io` on a list does not shelter `evil.github.io`.
   */
  constructor(private readonly publicSuffixBoundary: boolean) {}

  add(value: ParsedValue, ref: Ref): void {
    switch (value.type) {
      case 'ip':
        (value.family === 4 ? this.v4 : this.v6).insert(value.bytes, value.prefix, ref);
        return;
      case 'domain': {
        const name = value.name;
        if (!this.domains.has(name)) this.domains.set(name, ref);
        for (const a of this.ancestorsOf(name)) if (!this.above.has(a)) this.above.set(a, ref);
        return;
      }
      case 'email':
        this.exact.set(`email:${value.address.toLowerCase()}`, ref);
        return;
      case 'hash':
        this.exact.set(`hash:${value.hex}`, ref);
        return;
      case 'url':
        this.exact.set(`url:${value.href}`, ref);
        return;
    }
  }

  findIp(v: IpValue): Found | undefined {
    const m = (v.family === 4 ? this.v4 : this.v6).find(v.bytes, v.prefix);
    return m && { ref: m.value, relation: m.relation };
  }

  /** The entry equal to the name, above it (the name is a subdomain), or below it. */
  findDomain(name: string): Found | undefined {
    const same = this.domains.get(name);
    if (same) return { ref: same, relation: 'equal' };
    for (const a of this.ancestorsOf(name)) {
      const up = this.domains.get(a);
      if (up) return { ref: up, relation: 'within' };
    }
    const down = this.above.get(name);
    return down && { ref: down, relation: 'covers' };
  }

  findExact(key: string): Ref | undefined {
    return this.exact.get(key);
  }

  private ancestorsOf(name: string): Iterable<string> {
    if (!this.publicSuffixBoundary) return ancestors(name);
    const registrable = getDomain(name, { allowPrivateDomains: true });
    if (!registrable || registrable === name) return [];
    const out: string[] = [];
    for (const a of ancestors(name)) {
      out.push(a);
      if (a === registrable) break;
    }
    return out;
  }
}

/** What an administrator cleared, indexed once. */
class AllowIndex {
  private readonly v4 = new PrefixTrie<string>(32);
  private readonly v6 = new PrefixTrie<string>(128);
  private readonly names = new Map<string, string>();
  private readonly wildcards = new Map<string, string>();
  private readonly exact = new Map<string, string>();

  add(raw: string, value: ParsedValue): void {
    switch (value.type) {
      case 'ip':
        (value.family === 4 ? this.v4 : this.v6).insert(value.bytes, value.prefix, raw);
        return;
      case 'domain':
        (raw.trim().startsWith('*.') ? this.wildcards : this.names).set(value.name, raw);
        return;
      case 'email':
        this.exact.set(`email:${value.address.toLowerCase()}`, raw);
        return;
      case 'hash':
        this.exact.set(`hash:${value.hex}`, raw);
        return;
      case 'url':
        this.exact.set(`url:${value.href}`, raw);
        return;
    }
  }

  /** The allow-list entry that clears the value, if any. */
  match(value: ParsedValue): string | undefined {
    switch (value.type) {
      case 'ip': {
        const m = (value.family === 4 ? this.v4 : this.v6).find(value.bytes, value.prefix);
        return m && m.relation !== 'covers' ? m.value : undefined;
      }
      case 'domain': {
        const same = this.names.get(value.name);
        if (same) return same;
        for (const a of ancestors(value.name)) {
          const w = this.wildcards.get(a);
          if (w) return w;
        }
        return undefined;
      }
      case 'email':
        return this.exact.get(`email:${value.address.toLowerCase()}`);
      case 'hash':
        return this.exact.get(`hash:${value.hex}`);
      case 'url':
        return this.exact.get(`url:${value.href}`) ?? this.match(value.host);
    }
  }
}

const KIND_JA: Readonly<Record<ObservableKind, string>> = {
  ipv4: 'IPv4アドレスまたはCIDR範囲',
  ipv6: 'IPv6アドレスまたはCIDR範囲',
  domain: 'ドメイン名',
  url: 'URL',
  email: 'メールアドレス',
  'file-hash': 'ファイルハッシュ',
};

const PARSERS: Readonly<Record<ObservableKind, (v: string) => Parsed<ParsedValue>>> = {
  ipv4: parseIpv4,
  ipv6: parseIpv6,
  domain: parseDomain,
  url: parseUrl,
  email: parseEmail,
  'file-hash': parseHash,
};

/** A refusal before the subject is known to be a URL's host or an e-mail's domain. */
interface Refusal {
  readonly reason: GateReason;
  readonly message: string;
  readonly messageJa: string;
  readonly list?: GateHit;
}

/**
 * Decides whether an observable may go to members' block lists (issue 14, section 3). Built once
 * from the warning lists and settings (prefix tries for addresses, hash maps for names and
 * digests); each `check` is a handful of lookups.
 *
 * Order of the rules, first refusal wins:
 * 1. the value must parse as its kind (`invalid`);
 * 2. an address range may not be wider than the widest prefix, /24 and /48 by default (`too-wide`);
 * 3. it may not touch the hub's own hosts: equal, inside, containing, or a domain above (`hub-host`);
 * 4. it may not overlap a hard list: special-purpose, reserved and multicast ranges, special-use
 *    domains (`reserved`); a domain must be under an Internet top-level domain and may not itself
 *    be a public suffix (`reserved`, `public-suffix`);
 * 5. it may not overlap a soft warning list (`warning-list`), unless an allow-list entry clears it.
 *
 * The allow-list overrides only rule 5. Rules 2 to 4 protect every member at once (a /8 in a
 * firewall, the hub unreachable, `10.0.0.1` meaning a different host in each member's network),
 * and no single confirmed-bad value can need them lifted: an administrator who has one shares a
 * narrower value.
 *
 * Overlap counts both ways: `8.8.8.0/24` contains the resolver `8.8.8.8`; `login.microsoft.com` is
 * under `microsoft.com`; `windows.net` is above `blob.core.windows.net`. A soft domain entry covers
 * its subdomains only down to the registrable domain, so a shared-hosting customer
 * (`evil.s3.amazonaws.com`, `evil.github.io`) is not sheltered by the platform's entry. A URL is
 * judged by its host; an e-mail address by its domain for rules 3 and 4 and by the whole address
 * for lists (an address at a well-known mail domain blocks one sender, not the domain). A file
 * hash passes unless it is on a list.
 */
export class BlocklistGate {
  readonly widestPrefixV4: number;
  readonly widestPrefixV6: number;
  /** The lists in force, shipped ones replaced by same-named extra lists. */
  readonly lists: readonly WarningList[];
  private readonly hub = new ListIndex(false);
  private readonly hard = new ListIndex(false);
  private readonly soft = new ListIndex(true);
  private readonly allow = new AllowIndex();

  /**
   * @throws ValidationError naming every bad setting: a prefix out of range, an allow-list entry,
   * a hub host or a list entry that does not parse.
   */
  constructor(settings: GateSettings = {}, shipped: readonly WarningList[] = SHIPPED_WARNING_LISTS) {
    const problems: ErrorDetail[] = [];
    this.widestPrefixV4 = prefixSetting(
      settings.widestPrefixV4,
      DEFAULT_WIDEST_PREFIX_V4,
      32,
      'widestPrefixV4',
      problems,
    );
    this.widestPrefixV6 = prefixSetting(
      settings.widestPrefixV6,
      DEFAULT_WIDEST_PREFIX_V6,
      128,
      'widestPrefixV6',
      problems,
    );
    this.lists = mergeLists(shipped, settings.extraLists ?? [], problems);

    (settings.hubHosts ?? []).forEach((host, i) => {
      const v = parseEntryValue(host);
      if (!v.ok || (v.value.type !== 'ip' && v.value.type !== 'domain'))
        problems.push({
          path: `hubHosts[${i}]`,
          message: v.ok ? `"${host}" is not a host name or address` : v.error,
        });
      else
        this.hub.add(v.value, {
          list: 'hub-hosts',
          entry: host.trim(),
          what: "the hub's own host",
          whatJa: 'ハブ自身のホスト',
        });
    });
    (settings.allowList ?? []).forEach((raw, i) => {
      const v = parseEntryValue(raw);
      if (v.ok) this.allow.add(raw.trim(), v.value);
      else problems.push({ path: `allowList[${i}]`, message: v.error });
    });
    for (const list of this.lists) {
      const index = list.hard ? this.hard : this.soft;
      list.entries.forEach((entry, i) => {
        const v = parseEntryValue(entry.value);
        if (!v.ok) {
          problems.push({ path: `lists.${list.name}.entries[${i}]`, message: v.error });
          return;
        }
        const ref: Ref = {
          list: list.name,
          entry: v.value.type === 'ip' ? v.value.text : entry.value.trim(),
          what: list.what,
          whatJa: list.whatJa,
          ...(entry.note ? { note: entry.note } : {}),
        };
        index.add(v.value, ref);
      });
    }
    if (problems.length > 0)
      throw new ValidationError(`block-list gate settings: ${problems.length} problem(s)`, problems);
  }

  /** May this observable go to members' block lists? */
  check(observable: GateObservable): GateVerdict {
    const parser = PARSERS[observable.kind] as ((v: string) => Parsed<ParsedValue>) | undefined;
    if (!parser)
      return refuse({
        reason: 'invalid',
        message: `"${observable.kind}" is not an observable kind (ipv4, ipv6, domain, url, email, file-hash)`,
        messageJa: `"${observable.kind}" は観測値の種類ではありません（ipv4, ipv6, domain, url, email, file-hash）`,
      });
    const parsed = parser(observable.value);
    if (!parsed.ok)
      return refuse({
        reason: 'invalid',
        message: `not a valid ${observable.kind}: ${parsed.error}`,
        messageJa: `"${observable.value}" は${KIND_JA[observable.kind]}として解釈できません`,
      });
    const v = parsed.value;
    switch (v.type) {
      case 'ip':
        return this.checkIp(v);
      case 'domain':
        return this.checkDomain(v);
      case 'url': {
        const refusal = this.hardRules(v.host);
        if (refusal) return refuse(inside(v.href, refusal));
        const soft = this.softHit(v.host) ?? this.softExact(`url:${v.href}`, v.href);
        return soft ? this.allowOr(v, inside(v.href, soft)) : { ok: true };
      }
      case 'email': {
        const refusal = this.hardRules(v.domain);
        if (refusal) return refuse(inside(v.address, refusal, 'email'));
        const soft = this.softExact(`email:${v.address.toLowerCase()}`, v.address);
        return soft ? this.allowOr(v, soft) : { ok: true };
      }
      case 'hash': {
        const soft = this.softExact(`hash:${v.hex}`, v.hex);
        return soft ? this.allowOr(v, soft) : { ok: true };
      }
    }
  }

  private checkIp(v: IpValue): GateVerdict {
    const refusal = this.widthRule(v) ?? this.hardRules(v);
    if (refusal) return refuse(refusal);
    const soft = this.softHit(v);
    return soft ? this.allowOr(v, soft) : { ok: true };
  }

  private checkDomain(v: DomainValue): GateVerdict {
    const refusal = this.hardRules(v);
    if (refusal) return refuse(refusal);
    const soft = this.softHit(v);
    return soft ? this.allowOr(v, soft) : { ok: true };
  }

  private widthRule(v: IpValue): Refusal | undefined {
    const widest = v.family === 4 ? this.widestPrefixV4 : this.widestPrefixV6;
    if (v.prefix >= widest) return undefined;
    return {
      reason: 'too-wide',
      message: `${v.text} is wider than /${widest}: ranges wider than /${widest} never go to block lists`,
      messageJa: `${v.text} は /${widest} より広い範囲です。/${widest} より広い範囲はブロックリストに載せません`,
      list: { name: 'widest-prefix', entry: `/${widest}` },
    };
  }

  /** Rules 3 and 4 for an address or a domain. */
  private hardRules(v: IpValue | DomainValue): Refusal | undefined {
    const subject = v.type === 'ip' ? v.text : v.name;
    const hub = v.type === 'ip' ? this.hub.findIp(v) : this.hub.findDomain(v.name);
    if (hub) {
      const link =
        hub.relation === 'equal'
          ? { en: 'is', ja: 'は' }
          : hub.relation === 'within'
            ? { en: 'is inside', ja: 'は次の範囲内です:' }
            : { en: 'contains', ja: 'は次を含みます:' };
      return {
        reason: 'hub-host',
        message: `${subject} ${link.en} the hub's own host ${hub.ref.entry}: blocking it would cut members off from the hub`,
        messageJa: `${subject} ${link.ja} ハブ自身のホスト ${hub.ref.entry}。ブロックすると会員がハブに接続できなくなります`,
        list: { name: 'hub-hosts', entry: hub.ref.entry },
      };
    }
    const hard = v.type === 'ip' ? this.hard.findIp(v) : this.hard.findDomain(v.name);
    // `com` is better told a public suffix than a name above `example.com`.
    const suffix = v.type === 'domain' && hard?.relation !== 'equal' && hard?.relation !== 'within';
    const ps = suffix ? publicSuffixRule(v.name) : undefined;
    if (ps) return ps;
    return hard && { reason: 'reserved', ...describe(subject, hard, v.type) };
  }

  private softHit(v: IpValue | DomainValue): Refusal | undefined {
    const found = v.type === 'ip' ? this.soft.findIp(v) : this.soft.findDomain(v.name);
    if (!found) return undefined;
    return { reason: 'warning-list', ...describe(v.type === 'ip' ? v.text : v.name, found, v.type) };
  }

  private softExact(key: string, subject: string): Refusal | undefined {
    const ref = this.soft.findExact(key);
    return ref && { reason: 'warning-list', ...describe(subject, { ref, relation: 'equal' }, 'exact') };
  }

  private allowOr(value: ParsedValue, refusal: Refusal): GateVerdict {
    const allowedBy = this.allow.match(value);
    if (allowedBy === undefined) return refuse(refusal);
    return refusal.list ? { ok: true, allowedBy, overrode: refusal.list } : { ok: true, allowedBy };
  }
}

/**
 * `checkForBlocklist(observable, settings)`: the gate as one function. The gate for a settings
 * object is built on first use and kept while that object lives; build a `BlocklistGate` yourself
 * to control when.
 */
export function checkForBlocklist(
  observable: GateObservable,
  settings: GateSettings = DEFAULT_SETTINGS,
): GateVerdict {
  let gate = GATES.get(settings);
  if (!gate) {
    gate = new BlocklistGate(settings);
    GATES.set(settings, gate);
  }
  return gate.check(observable);
}

const DEFAULT_SETTINGS: GateSettings = Object.freeze({});
const GATES = new WeakMap<GateSettings, BlocklistGate>();

function refuse(r: Refusal): GateVerdict {
  return {
    ok: false,
    reason: r.reason,
    message: r.message,
    messageJa: r.messageJa,
    ...(r.list ? { list: r.list } : {}),
  };
}

/** A refusal about a URL's host or an e-mail's domain, told about the whole value. */
function inside(whole: string, r: Refusal, part: 'url' | 'email' = 'url'): Refusal {
  return {
    ...r,
    message: `${whole}: its ${part === 'url' ? 'host' : 'domain'} ${r.message}`,
    messageJa: `${whole} の${part === 'url' ? 'ホスト' : 'ドメイン'}: ${r.messageJa}`,
  };
}

function describe(
  subject: string,
  { ref, relation }: Found,
  type: 'ip' | 'domain' | 'exact',
): Pick<Refusal, 'message' | 'messageJa' | 'list'> {
  const note = ref.note ? `: ${ref.note}` : '';
  const noteJa = ref.note ? `: ${ref.note}` : '';
  const tail = ` (warning list: ${ref.list})`;
  const tailJa = `（警告リスト: ${ref.list}）`;
  let message: string;
  let messageJa: string;
  if (relation === 'equal') {
    message = `${subject} is ${ref.what}${note}${tail}`;
    messageJa = `${subject} は${ref.whatJa}です${noteJa}${tailJa}`;
  } else if (relation === 'within') {
    message = `${subject} is ${type === 'domain' ? 'under' : 'in'} ${ref.entry}, ${ref.what}${note}${tail}`;
    messageJa =
      type === 'domain'
        ? `${subject} は ${ref.entry}（${ref.whatJa}${noteJa}）のサブドメインです${tailJa}`
        : `${subject} は ${ref.entry}（${ref.whatJa}${noteJa}）の範囲内です${tailJa}`;
  } else {
    message = `${subject} contains ${ref.entry}, ${ref.what}${note}${tail}`;
    messageJa = `${subject} は ${ref.entry}（${ref.whatJa}${noteJa}）を含みます${tailJa}`;
  }
  return {
    message,
    messageJa,
    list: { name: ref.list, entry: ref.entry, ...(ref.note ? { note: ref.note } : {}) },
  };
}

function publicSuffixRule(name: string): Refusal | undefined {
  const info = parseHost(name, { allowPrivateDomains: true });
  if (!info.isIcann && !info.isPrivate) {
    const tld = name.slice(name.lastIndexOf('.') + 1);
    return {
      reason: 'reserved',
      message: `${name} is not under a top-level domain of the Internet (.${tld} is not on the Public Suffix List): it can only be an internal name`,
      messageJa: `${name} はインターネットのトップレベルドメインの下にありません（.${tld} は Public Suffix List にありません）。内部用の名前です`,
      list: { name: 'public-suffix-list', entry: tld },
    };
  }
  if (info.domain === null || info.publicSuffix === name) {
    return {
      reason: 'public-suffix',
      message: `${name} is a public suffix: names under it belong to many unrelated owners`,
      messageJa: `${name} はパブリックサフィックスです。その下のドメインは無関係な多数の所有者のものです`,
      list: { name: 'public-suffix-list', entry: name },
    };
  }
  return undefined;
}

function prefixSetting(
  value: number | undefined,
  fallback: number,
  max: number,
  path: string,
  problems: ErrorDetail[],
): number {
  if (value === undefined) return fallback;
  if (Number.isInteger(value) && value >= 0 && value <= max) return value;
  problems.push({ path, message: `${path} must be a whole number from 0 to ${max}, got ${String(value)}` });
  return fallback;
}

function mergeLists(
  shipped: readonly WarningList[],
  extra: readonly WarningList[],
  problems: ErrorDetail[],
): readonly WarningList[] {
  const byName = new Map<string, WarningList>();
  for (const l of shipped) byName.set(l.name, l);
  const seen = new Set<string>();
  extra.forEach((l, i) => {
    if (seen.has(l.name))
      problems.push({ path: `extraLists[${i}].name`, message: `list "${l.name}" is given twice` });
    seen.add(l.name);
    const replaced = byName.get(l.name);
    // A refreshed list keeps the shipped list's hardness: a file cannot soften a reserved range.
    byName.set(l.name, replaced?.hard ? { ...l, hard: true } : l);
  });
  return [...byName.values()];
}
