import { isIP } from 'node:net';

/**
 * A checker of the Suricata rule grammar the exports emit (ADR 0043), for tests: no `suricata`
 * package reaches these machines (Debian bookworm has none), so `suricata -T` cannot run in CI.
 * It checks, per Suricata's rule format (docs "Rules Format", "Payload Keywords", "DNS/TLS/HTTP
 * Keywords"): header `action proto src sport dir dst dport`, an options list of `name;` or
 * `name:value;` with every `;` inside a value escaped, `msg` a quoted string without unescaped
 * `"` `;` `\`, `content` a quoted string whose `"` `;` `\` `|` appear only hex-encoded between
 * pipes, sticky buffers before the contents they select, content modifiers after a content,
 * `dotprefix` right before a content, sids unique integers, `rev` an integer, addresses valid
 * IPs or CIDRs. Returns one message per problem (empty: the file holds).
 */
export function checkSuricataRules(text: string): string[] {
  const problems: string[] = [];
  const sids = new Set<number>();
  const lines = text.split('\n');
  if (lines[lines.length - 1] !== '') problems.push('the file does not end with a newline');
  lines.forEach((line, i) => {
    const at = `line ${i + 1}`;
    if (line === '' || line.startsWith('#')) return;
    const m = /^alert (ip|dns|tls|http) (\S+) (\S+) (->|<>) (\S+) (\S+) \((.*)\)$/.exec(line);
    if (!m) {
      problems.push(`${at}: not "alert proto src sport dir dst dport (options)": ${line}`);
      return;
    }
    const [, proto, src, sport, , dst, dport, body] = m as unknown as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    for (const [what, a] of [
      ['source', src],
      ['destination', dst],
    ] as const)
      if (a !== 'any' && !isAddress(a)) problems.push(`${at}: ${what} ${a} is not an address or CIDR`);
    for (const p of [sport, dport]) if (p !== 'any') problems.push(`${at}: port ${p} is not any`);
    const options = splitOptions(body);
    if (options === undefined) {
      problems.push(`${at}: options do not end with ";" or hold an unterminated string`);
      return;
    }
    let buffer: string | undefined;
    let lastContent = false;
    let dotprefix = false;
    let sid: number | undefined;
    for (const { name, value } of options) {
      switch (name) {
        case 'msg':
          if (value === undefined || !/^"([^"\\;]|\\["\\;])*"$/.test(value))
            problems.push(`${at}: bad msg ${value}`);
          lastContent = false;
          break;
        case 'dns.query':
        case 'tls.sni':
        case 'http.host':
        case 'http.uri.raw': {
          const proto_ = name.split('.')[0];
          if (proto_ !== proto) problems.push(`${at}: ${name} in a ${proto} rule`);
          if (value !== undefined) problems.push(`${at}: ${name} takes no value`);
          buffer = name;
          lastContent = false;
          break;
        }
        case 'dotprefix':
          if (buffer === undefined) problems.push(`${at}: dotprefix before any sticky buffer`);
          dotprefix = true;
          lastContent = false;
          break;
        case 'content':
          if (buffer === undefined && proto !== 'ip') problems.push(`${at}: content outside a sticky buffer`);
          if (value === undefined || !/^"([^"\\;|]|\|[0-9A-F]{2}( [0-9A-F]{2})*\|)+"$/.test(value))
            problems.push(`${at}: bad content ${value}`);
          if (
            buffer === 'http.host' &&
            value !== undefined &&
            /[A-Z]/.test(value.replace(/\|[0-9A-F ]+\|/g, ''))
          )
            problems.push(`${at}: http.host content must be lower case`);
          if (dotprefix && !(value ?? '').startsWith('".'))
            problems.push(`${at}: dotprefix content must start with "."`);
          dotprefix = false;
          lastContent = true;
          break;
        case 'nocase':
        case 'startswith':
        case 'endswith':
          if (!lastContent) problems.push(`${at}: ${name} not after a content`);
          if (value !== undefined) problems.push(`${at}: ${name} takes no value`);
          break;
        case 'sid':
          if (value === undefined || !/^[1-9][0-9]{0,9}$/.test(value) || Number(value) > 0xffffffff)
            problems.push(`${at}: bad sid ${value}`);
          else {
            sid = Number(value);
            if (sids.has(sid)) problems.push(`${at}: duplicate sid ${sid}`);
            sids.add(sid);
          }
          lastContent = false;
          break;
        case 'rev':
          if (value === undefined || !/^[1-9][0-9]{0,9}$/.test(value))
            problems.push(`${at}: bad rev ${value}`);
          lastContent = false;
          break;
        default:
          problems.push(`${at}: keyword ${name} is not one the exports emit`);
      }
    }
    if (sid === undefined) problems.push(`${at}: no sid`);
    if (options[0]?.name !== 'msg') problems.push(`${at}: msg is not first`);
    if (proto !== 'ip' && !options.some((o) => o.name === 'content')) problems.push(`${at}: no content`);
  });
  return problems;
}

function isAddress(a: string): boolean {
  const slash = a.indexOf('/');
  if (slash < 0) return isIP(a) !== 0;
  const family = isIP(a.slice(0, slash));
  const prefix = a.slice(slash + 1);
  return family !== 0 && /^[0-9]{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/** `name[:value];` items; a `;` inside a quoted value must be escaped. Undefined when malformed. */
function splitOptions(body: string): { name: string; value?: string }[] | undefined {
  const out: { name: string; value?: string }[] = [];
  let i = 0;
  while (i < body.length) {
    while (body[i] === ' ') i++;
    if (i >= body.length) break;
    let j = i;
    let quoted = false;
    while (j < body.length) {
      const c = body[j];
      if (c === '\\') {
        j += 2;
        continue;
      }
      if (c === '"') quoted = !quoted;
      if (c === ';' && !quoted) break;
      j++;
    }
    if (j >= body.length) return undefined;
    const item = body.slice(i, j);
    const colon = item.indexOf(':');
    out.push(colon < 0 ? { name: item } : { name: item.slice(0, colon), value: item.slice(colon + 1) });
    i = j + 1;
  }
  return out;
}
