import type { ObservableKind } from '@isac/kernel';
import { parse as parseHost } from 'tldts';

/**
 * Defanging: indicator values written so that no mail client turns them into a link and nobody
 * opens one by a careless click, while a reader still sees (and `refang` restores) the exact value.
 *
 * The hub's convention (ADR 0014):
 * - URL schemes: `http` → `hxxp`, `https` → `hxxps`, `ftp` → `fxp`, `ftps` → `fxps`; any other
 *   scheme keeps its name and its colon is bracketed (`smb[:]//…`, `javascript[:]…`, `mailto[:]…`).
 * - Domain names: every dot bracketed (`evil-example[.]co[.]jp`), the ideographic and full-width
 *   dots too (`。` → `[。]`), since IDNA reads them as dots.
 * - IPv4: the last dot bracketed (`203.0.113[.]7`, `203.0.113[.]0/24`): no longer a dotted quad.
 * - IPv6: every colon bracketed (`2001[:]db8[:][:]1`); in a URL the brackets stay
 *   (`hxxp://[2001[:]db8[:][:]1]:8080/`).
 * - Email: `user[@]example[.]com` (the local part is kept, the domain is a domain).
 * - Hashes are left alone. Free text (names, descriptions, patterns) gets the URL, email, IPv4
 *   and domain rules wherever such a token appears (a domain only when its suffix is a real
 *   ICANN suffix, so `file.exe` stays, `invoice.zip` does not); IPv6 is not looked for in free
 *   text (`10:30:00` would be one).
 * - Whatever the kind, nothing a mail client links is left: any other `name://` gets `name[:]//`,
 *   the schemes that need no `//` (`tel:`, `mailto:`, …) get `tel[:]` wherever they appear (also in
 *   a port, `a[.]tel[:]0`), and `www.` gets `www[.]`.
 *
 * Literal escapes in the input: a `[.]`, `[:]`, `[@]` (or `[。]`…) in a value is read as the
 * escape it looks like, i.e. the value counts as already (partly) defanged, and so is a defanged
 * scheme (`hxxp://`). There is no escape for a literal `[.]`: `refang` removes every escape,
 * nested ones too (`[[.]]` → `.`), and `defang(v) = D(refang(v))`. The guarantees, for every
 * kind and every string:
 * - `defang(defang(v)) === defang(v)` (idempotent);
 * - `refang(defang(v)) === v` when `refang(v) === v` (the value holds no escape or defanged scheme);
 * - `defang(refang(d)) === d` for every `d` that `defang` returned.
 * Mail always attaches the exact values as well.
 */
export type DefangKind = ObservableKind | 'text';

const DOTS = /[.\u3002\uff0e\uff61]/g;
const bracketDots = (s: string): string => s.replace(DOTS, (d) => `[${d}]`);

const IPV4_LAST_DOT = /^(\d{1,3}\.\d{1,3}\.\d{1,3})\.(\d{1,3}(?:\/\d{1,2})?)$/;
const bracketIpv4 = (s: string): string => s.replace(IPV4_LAST_DOT, '$1[.]$2');
const bracketColons = (s: string): string => s.replace(/:/g, '[:]');

/** `http:`/`https:`/`ftp:`/`ftps:` become `hxxp:`/`hxxps:`/`fxp:`/`fxps:`; other schemes `name[:]`. */
function defangScheme(scheme: string): string {
  return /^(https?|ftps?)$/i.test(scheme)
    ? `${scheme.replace(/t/g, 'x').replace(/T/g, 'X')}:`
    : `${scheme}[:]`;
}

function defangHost(host: string): string {
  if (host.startsWith('[') && host.endsWith(']')) return `[${bracketColons(host.slice(1, -1))}]`;
  return IPV4_LAST_DOT.test(host) ? bracketIpv4(host) : bracketColons(bracketDots(host));
}

const SCHEME = /^([a-z][a-z0-9+.-]*):(.*)$/is;

function defangUrl(url: string): string {
  const m = SCHEME.exec(url);
  if (!m) return defangText(url);
  const [, scheme, rest] = m as unknown as [string, string, string];
  const colon = defangScheme(scheme);
  if (!rest.startsWith('//')) return `${colon}${defangText(rest)}`;
  const afterSlashes = rest.slice(2);
  const end = afterSlashes.search(/[/?#]/);
  const authority = end < 0 ? afterSlashes : afterSlashes.slice(0, end);
  const tail = end < 0 ? '' : afterSlashes.slice(end);
  const at = authority.lastIndexOf('@');
  const userinfo = at < 0 ? '' : `${bracketDots(authority.slice(0, at).replace(/:/g, '[:]'))}[@]`;
  const hostPort = at < 0 ? authority : authority.slice(at + 1);
  const portAt = hostPort.startsWith('[') ? hostPort.indexOf(']') + 1 : hostPort.lastIndexOf(':');
  const hasPort = portAt > 0 && /^(?::\d*)?$/.test(hostPort.slice(portAt));
  const host = hasPort ? hostPort.slice(0, portAt) : hostPort;
  const port = hasPort ? hostPort.slice(portAt) : '';
  return `${colon}//${userinfo}${defangHost(host)}${port}${defangText(tail)}`;
}

function defangEmail(s: string): string {
  const at = s.lastIndexOf('@');
  return at < 0 ? bracketDots(s) : `${s.slice(0, at)}[@]${defangHost(s.slice(at + 1))}`;
}

const NO_SLASH_SCHEMES = 'mailto|javascript|vbscript|data|file|tel|callto|sms';

// Free text: a URL (scheme + non-space run), an email, an IPv4 address, a domain-like token.
const TEXT_TOKENS = new RegExp(
  [
    String.raw`\b[a-z][a-z0-9+.-]{0,30}:\/\/[^\s<>"']*`,
    String.raw`\b(?:${NO_SLASH_SCHEMES}):[^\s<>"']*`,
    String.raw`[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:[.\u3002\uff0e\uff61][\p{L}\p{N}-]+)+`,
    String.raw`(?<![\d.])\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?:\/\d{1,2})?(?![\d.])`,
    String.raw`(?<![\p{L}\p{N}_-])(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?[.\u3002\uff0e\uff61])+(?:[\p{L}]{2,63}|xn--[a-z0-9-]{1,59})(?![\p{L}\p{N}_-])`,
  ].join('|'),
  'giu',
);

/** Any `://` left (a scheme glued to a word the token pass took as something else) is bracketed. */
const STRAY_SLASHES = /(?<!\b(?:[hH][xX]{2}[pP]|[fF][xX][pP])[sS]?):\/\//g;
/** A scheme that needs no `//`, wherever it stands (a port after a `…[.]tel` host, a local part). */
const STRAY_SCHEMES = new RegExp(String.raw`\b(${NO_SLASH_SCHEMES}):`, 'gi');
/** `www.` is linked whatever follows it. */
const WWW_DOT = /\b(www)([.\u3002\uff0e\uff61])/gi;

/** The last pass over every defanged value: whatever a mail client would still link is broken. */
const unclickable = (s: string): string =>
  s.replace(STRAY_SLASHES, '[:]//').replace(STRAY_SCHEMES, '$1[:]').replace(WWW_DOT, '$1[$2]');

/** A character that a URL scheme may contain: a token glued after one reads as part of its scheme. */
const SCHEME_CHAR = /[a-z0-9+.-]/i;

function defangText(s: string): string {
  return s.replace(TEXT_TOKENS, (tok: string, offset: number) => {
    const out = defangToken(tok);
    // `ac..http://x` is a URL whose scheme is `ac..http` to a mail client: bracket its colon too.
    return offset > 0 && SCHEME_CHAR.test(s[offset - 1]!) ? out.replace(/^([^:[]+):\/\//, '$1[:]//') : out;
  });
}

function defangToken(tok: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(tok) && !/^[^:]*@/.test(tok)) return defangUrl(tok);
  if (tok.includes('@')) return defangEmail(tok);
  if (IPV4_LAST_DOT.test(tok)) return bracketIpv4(tok);
  const p = parseHost(tok.replace(/[\u3002\uff0e\uff61]/g, '.'), { allowPrivateDomains: false });
  return p.isIcann ? bracketDots(tok) : tok;
}

/** The value defanged for display in mail; see the module comment for the convention. */
export function defang(value: string, kind: DefangKind): string {
  return kind === 'file-hash' ? value : unclickable(defangRefanged(refang(value), kind));
}

function defangRefanged(v: string, kind: Exclude<DefangKind, 'file-hash'>): string {
  switch (kind) {
    case 'url':
      return defangUrl(v);
    case 'domain':
      return bracketDots(v);
    case 'ipv4':
      return IPV4_LAST_DOT.test(v) ? bracketIpv4(v) : defangText(v);
    case 'ipv6':
      return v.replace(/:/g, '[:]').replace(/\.(\d{1,3})$/, '[.]$1');
    case 'email':
      return defangEmail(v);
    case 'text':
      return defangText(v);
  }
}

const ESCAPABLE = new Set(['.', '\u3002', '\uff0e', '\uff61', ':', '@']);

/** `[x]` → `x` for the escaped characters, to a fixed point (`[[.]]` → `.`), in one linear pass. */
function unbracket(s: string): string {
  if (!s.includes(']')) return s;
  const out: string[] = [];
  for (const ch of s) {
    const n = out.length;
    if (ch === ']' && n >= 2 && out[n - 2] === '[' && ESCAPABLE.has(out[n - 1]!)) out.splice(n - 2, 1);
    else out.push(ch);
  }
  return out.join('');
}

const DEFANGED_SCHEME = /\b([hH][xX]{2}[pP]|[fF][xX][pP])(?=[sS]?:\/\/)/g;

/**
 * Undoes `defang`: every bracket escape removed (nested ones too), then `hxxp`/`fxp` back to
 * `http`/`ftp` (case kept). See the module comment for what round-trips.
 */
export function refang(value: string): string {
  return unbracket(value).replace(DEFANGED_SCHEME, (scheme: string) =>
    scheme.replace(/x/g, 't').replace(/X/g, 'T'),
  );
}
