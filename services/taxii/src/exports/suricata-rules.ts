import { createHash } from 'node:crypto';
import type { ExportEntry } from './export-formats.js';

/**
 * Suricata rules for an organisation's network indicators (ADR 0043), pure. One rule per
 * (indicator, value, protocol):
 *
 * - an address or range (`ipv4`, `ipv6`, `cidr`): `alert ip any any <> VALUE any`, traffic either way;
 * - a domain: its DNS queries (`dns.query`) and its TLS server name (`tls.sni`), the domain and its
 *   subdomains (`dotprefix; content:".domain"; nocase; endswith;`);
 * - an `http://` URL: `http.host` equal to its host and `http.uri.raw` equal to its path and query
 *   (`startswith; endswith;` together: an exact match). An `https://` URL cannot be seen on the
 *   wire and gets no rule (its host is not the indicator: blocking all of it is the domain list's
 *   job, when someone reported the domain).
 *
 * `msg` says `ISAC TLP:<level> <indicator id> <kind> <value>` (the value in a safe character set);
 * `sid` is derived from the indicator id, kind, value and protocol (1,000,000,000–1,999,999,999,
 * clear of the ranges rule vendors use), so the same rule keeps its sid across exports; `rev` is the
 * indicator version's time in seconds, so a new version is a new revision. Two rules that hash to
 * one sid are told apart in a fixed order (the next free sid): stable while both exist.
 */
export const SURICATA_MEDIA_TYPE = 'text/plain; charset=utf-8';

const SID_BASE = 1_000_000_000;
const SID_SPAN = 1_000_000_000;

interface Rule {
  readonly key: string;
  readonly entry: ExportEntry;
  readonly proto: 'ip' | 'dns' | 'tls' | 'http';
  readonly body: (sid: number) => string;
}

/** Content bytes: printable ASCII except `"` `;` `\` `|` as is, everything else as `|hh|`. */
export function suricataContent(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    out +=
      b > 0x20 && b < 0x7f && !'";\\|'.includes(c) ? c : `|${b.toString(16).toUpperCase().padStart(2, '0')}|`;
  }
  return `"${out}"`;
}

/** A message: letters, digits and `. _ : / + @ - = ? & % ~ ,` as is, anything else `?` (no escapes needed). */
export function suricataMsg(s: string): string {
  return `"${s.replace(/[^A-Za-z0-9 ._:/+@\-=?&%~,]/g, '?')}"`;
}

const rev = (version: string): number => {
  const t = Math.floor(Date.parse(version) / 1000);
  return Number.isFinite(t) && t > 0 ? t : 1;
};

function sidHash(key: string): number {
  return SID_BASE + (createHash('sha256').update(key).digest().readUInt32BE(0) % SID_SPAN);
}

function rulesOf(e: ExportEntry): Rule[] {
  const msg = (what: string): string =>
    suricataMsg(`ISAC TLP:${e.tlp.toUpperCase()} ${e.indicatorId} ${e.kind} ${e.value}${what}`);
  const tail = (sid: number): string => `sid:${sid}; rev:${rev(e.version)};)`;
  const key = (proto: string): string => `${e.indicatorId}\u0000${e.kind}\u0000${e.value}\u0000${proto}`;
  switch (e.kind) {
    case 'ipv4':
    case 'ipv6':
    case 'cidr':
      return [
        {
          key: key('ip'),
          entry: e,
          proto: 'ip',
          body: (sid) => `alert ip any any <> ${e.value} any (msg:${msg('')}; ${tail(sid)}`,
        },
      ];
    case 'domain': {
      const dotted = suricataContent(`.${e.value}`);
      return [
        {
          key: key('dns'),
          entry: e,
          proto: 'dns',
          body: (sid) =>
            `alert dns any any -> any any (msg:${msg(' DNS query')}; dns.query; dotprefix; content:${dotted}; nocase; endswith; ${tail(sid)}`,
        },
        {
          key: key('tls'),
          entry: e,
          proto: 'tls',
          body: (sid) =>
            `alert tls any any -> any any (msg:${msg(' TLS SNI')}; tls.sni; dotprefix; content:${dotted}; nocase; endswith; ${tail(sid)}`,
        },
      ];
    }
    case 'url': {
      let u: URL;
      try {
        u = new URL(e.value);
      } catch {
        return [];
      }
      if (u.protocol !== 'http:') return [];
      const target = `${u.pathname}${u.search}`;
      return [
        {
          key: key('http'),
          entry: e,
          proto: 'http',
          body: (sid) =>
            `alert http any any -> any any (msg:${msg('')}; http.host; content:${suricataContent(u.hostname)}; startswith; endswith; http.uri.raw; content:${suricataContent(target)}; startswith; endswith; ${tail(sid)}`,
        },
      ];
    }
    default:
      return [];
  }
}

/** The rule file: a comment header (no time in it: the same entries give the same bytes), then one rule per line. */
export function suricataRules(entries: readonly ExportEntry[], opts: { orgId: string }): string {
  const rules = entries.flatMap(rulesOf).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const seen = new Set<string>();
  const used = new Set<number>();
  const lines = [
    `# ISAC sharing hub: Suricata rules for organisation ${suricataComment(opts.orgId)}`,
    '# current, unexpired, gate-approved network indicators; sids are stable per indicator and value',
  ];
  for (const r of rules) {
    if (seen.has(r.key)) continue;
    seen.add(r.key);
    let sid = sidHash(r.key);
    while (used.has(sid)) sid = sid + 1 >= SID_BASE + SID_SPAN ? SID_BASE : sid + 1;
    used.add(sid);
    lines.push(r.body(sid));
  }
  return `${lines.join('\n')}\n`;
}

const suricataComment = (s: string): string => s.replace(/[^\x20-\x7e]/g, '?');
