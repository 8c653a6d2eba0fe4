/**
 * A syntax check for PCRE regular expressions (the MATCHES operator, spec §9.6: "Regular
 * expressions MUST be conformant to the syntax defined by the PCRE library").
 *
 * JavaScript's RegExp is not a usable judge: it refuses valid PCRE (possessive quantifiers,
 * atomic groups, `(?i)`, `(?P<name>…)`, `\Q…\E`, verbs, recursion, conditionals) and, outside
 * `u` mode, accepts things PCRE refuses. This scanner follows the PCRE2 pattern syntax
 * (pcre2pattern(3)) far enough to find the compile errors PCRE reports for malformed structure:
 * unbalanced parentheses, an unterminated class, a quantifier with nothing to repeat, `{n,m}` out
 * of order or too big, an out-of-order class range, an unknown POSIX class, an unknown `(?`
 * construct, a malformed escape (`\` at the end, `\x{…}`, `\o{…}`, `\p`, `\c`, `\g`, `\k`) and a
 * reference to a group that does not exist. Where PCRE versions differ it accepts. Linear time.
 */

const POSIX = new Set([
  'alnum',
  'alpha',
  'ascii',
  'blank',
  'cntrl',
  'digit',
  'graph',
  'lower',
  'print',
  'punct',
  'space',
  'upper',
  'word',
  'xdigit',
]);
/** PCRE2 10.34+ alphabetic assertions, e.g. (*pla:…). */
const ALPHA_ASSERTIONS = new Set([
  'pla',
  'plb',
  'nla',
  'nlb',
  'napla',
  'naplb',
  'sr',
  'asr',
  'atomic',
  'positive_lookahead',
  'positive_lookbehind',
  'negative_lookahead',
  'negative_lookbehind',
  'non_atomic_positive_lookahead',
  'non_atomic_positive_lookbehind',
  'script_run',
  'atomic_script_run',
]);
const MAX_QUANTIFIER = 65535;

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isHex = (c: number): boolean => isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
const isWord = (c: number): boolean =>
  isDigit(c) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;

class Fail extends Error {
  constructor(
    readonly reason: string,
    readonly at: number,
  ) {
    super(reason);
  }
}

class Scanner {
  private i = 0;
  private depth = 0;
  private captures = 0;
  private extended = false;
  private readonly names = new Set<string>();
  /** [group number, position] of absolute numeric references, checked at the end. */
  private readonly numbered: [number, number][] = [];
  private readonly named: [string, number][] = [];

  constructor(private readonly s: string) {}

  private fail(reason: string, at = this.i): never {
    throw new Fail(reason, at);
  }
  private c(k = 0): number {
    return this.s.charCodeAt(this.i + k);
  }

  run(): void {
    const s = this.s;
    let canRepeat = false;
    while (this.i < s.length) {
      const c = this.c();
      if (this.extended && (c === 32 || (c >= 9 && c <= 13))) {
        this.i++;
        continue;
      }
      if (this.extended && c === 35) {
        while (this.i < s.length && this.c() !== 10) this.i++;
        continue;
      }
      switch (c) {
        case 92: // \
          canRepeat = this.escape();
          break;
        case 91: // [
          this.klass();
          canRepeat = true;
          break;
        case 40: // (
          this.open();
          canRepeat = false;
          break;
        case 41: // )
          if (this.depth === 0) this.fail('unmatched closing parenthesis');
          this.depth--;
          this.i++;
          canRepeat = true;
          break;
        case 124: // |
          this.i++;
          canRepeat = false;
          break;
        case 42: // *
        case 43: // +
        case 63: // ?
          if (!canRepeat) this.fail('quantifier does not follow a repeatable item');
          this.i++;
          this.quantifierSuffix();
          canRepeat = false;
          break;
        case 123: {
          // {
          const end = this.braceQuantifier();
          if (end < 0) {
            this.i++;
            canRepeat = true;
          } else {
            if (!canRepeat) this.fail('quantifier does not follow a repeatable item');
            this.i = end;
            this.quantifierSuffix();
            canRepeat = false;
          }
          break;
        }
        default:
          this.i++;
          canRepeat = true;
      }
    }
    if (this.depth > 0) this.fail('missing closing parenthesis');
    for (const [n, at] of this.numbered)
      if (n > this.captures) this.fail(`reference to non-existent group ${n}`, at);
    for (const [name, at] of this.named)
      if (!this.names.has(name)) this.fail(`reference to non-existent group '${name}'`, at);
  }

  /** A lazy `?` or possessive `+` after a quantifier. */
  private quantifierSuffix(): void {
    const c = this.c();
    if (c === 63 || c === 43) this.i++;
  }

  /** If a `{n}`, `{n,}`, `{n,m}` or `{,m}` quantifier starts at i, its end; else -1. */
  private braceQuantifier(): number {
    const s = this.s;
    let j = this.i + 1;
    const readNum = (): number | undefined => {
      const st = j;
      while (isDigit(s.charCodeAt(j))) j++;
      return j > st ? Number(s.slice(st, j)) : undefined;
    };
    const lo = readNum();
    let hi: number | undefined = lo;
    if (s.charCodeAt(j) === 44) {
      j++;
      hi = readNum();
      if (lo === undefined && hi === undefined) return -1;
    } else if (lo === undefined) return -1;
    if (s.charCodeAt(j) !== 125) return -1;
    if ((lo ?? 0) > MAX_QUANTIFIER || (hi ?? 0) > MAX_QUANTIFIER)
      this.fail('number too big in {} quantifier');
    if (lo !== undefined && hi !== undefined && hi < lo) this.fail('numbers out of order in {} quantifier');
    return j + 1;
  }

  /** An escape outside a class; returns whether it can be quantified. */
  private escape(): boolean {
    const s = this.s;
    const at = this.i;
    this.i++;
    if (this.i >= s.length) this.fail('\\ at end of pattern', at);
    const c = this.c();
    this.i++;
    switch (c) {
      case 81: {
        // \Q…\E
        const end = s.indexOf('\\E', this.i);
        const quoted = end < 0 ? s.length - this.i : end - this.i;
        this.i = end < 0 ? s.length : end + 2;
        return quoted > 0;
      }
      case 69: // \E alone
        return false;
      case 103: // \g
        this.gReference(at);
        return true;
      case 107: // \k
        this.named.push([this.delimitedName(at, '\\k'), at]);
        return true;
      default:
        if (c >= 49 && c <= 57) {
          // \1-\9 are back references (\10 and up may be octal: not checked)
          if (!isDigit(this.c())) this.numbered.push([c - 48, at]);
          while (isDigit(this.c())) this.i++;
          return true;
        }
        this.escapeBody(c, at);
        return true;
    }
  }

  /** Escapes valid both inside and outside a class: \x \o \c \p \P \N and the rest. */
  private escapeBody(c: number, at: number): void {
    const s = this.s;
    switch (c) {
      case 120: // \x
        if (this.c() === 123) {
          const end = s.indexOf('}', this.i);
          const body = end < 0 ? '' : s.slice(this.i + 1, end);
          if (end < 0 || body.length === 0 || ![...body].every((ch) => isHex(ch.charCodeAt(0))))
            this.fail('\\x{ must be followed by hexadecimal digits and }', at);
          this.i = end + 1;
        } else {
          for (let k = 0; k < 2 && isHex(this.c()); k++) this.i++;
        }
        return;
      case 111: {
        // \o{…}
        const end = this.c() === 123 ? s.indexOf('}', this.i) : -1;
        const body = end < 0 ? '' : s.slice(this.i + 1, end);
        if (end < 0 || body.length === 0 || !/^[0-7]+$/.test(body))
          this.fail('\\o must be followed by {octal digits}', at);
        this.i = end + 1;
        return;
      }
      case 99: // \c
        if (this.i >= s.length || this.c() > 126)
          this.fail('\\c must be followed by a printable ASCII character', at);
        this.i++;
        return;
      case 112: // \p
      case 80: {
        // \P
        if (this.c() === 123) {
          const end = s.indexOf('}', this.i);
          if (end < 0 || end === this.i + 1) this.fail('malformed \\p or \\P sequence', at);
          this.i = end + 1;
        } else if (isWord(this.c()) && !isDigit(this.c())) this.i++;
        else this.fail('malformed \\p or \\P sequence', at);
        return;
      }
      case 78: // \N{…}
        if (this.c() === 123) {
          const end = s.indexOf('}', this.i);
          if (end < 0) this.fail('\\N{ is not closed', at);
          this.i = end + 1;
        }
        return;
      default:
        return;
    }
  }

  /** \g{n} \g{-n} \g{name} \gn \g-n \g<name> \g'name' */
  private gReference(at: number): void {
    const s = this.s;
    const c = this.c();
    let body: string;
    if (c === 123 || c === 60 || c === 39) {
      const close = c === 123 ? '}' : c === 60 ? '>' : "'";
      const end = s.indexOf(close, this.i + 1);
      if (end < 0 || end === this.i + 1) this.fail('\\g is not followed by a valid name or number', at);
      body = s.slice(this.i + 1, end);
      this.i = end + 1;
    } else {
      const st = this.i;
      if (c === 43 || c === 45) this.i++;
      while (isDigit(this.c())) this.i++;
      body = s.slice(st, this.i);
      if (!/\d/.test(body)) this.fail('\\g is not followed by a valid name or number', at);
    }
    if (/^\d+$/.test(body)) this.numbered.push([Number(body), at]);
    else if (/^[+-]\d+$/.test(body)) {
      const n = Number(body.slice(1));
      if (n === 0 || (body[0] === '-' && n > this.captures))
        this.fail(`relative reference ${body} to a group that does not exist`, at);
    } else if (/^[A-Za-z_]\w{0,31}$/.test(body)) this.named.push([body, at]);
    else this.fail(`'${body}' is not a group name or number`, at);
  }

  /** <name> 'name' {name} after \k; returns the name. */
  private delimitedName(at: number, what: string): string {
    const s = this.s;
    const c = this.c();
    const close = c === 60 ? '>' : c === 39 ? "'" : c === 123 ? '}' : '';
    const end = close === '' ? -1 : s.indexOf(close, this.i + 1);
    const name = end < 0 ? '' : s.slice(this.i + 1, end);
    if (!/^[A-Za-z_]\w{0,31}$/.test(name))
      this.fail(`${what} must be followed by a group name in <>, '' or {}`, at);
    this.i = end + 1;
    return name;
  }

  /** indexOf, remembering a miss so that repeated searches stay linear. */
  private readonly misses = new Map<string, number>();
  private closer(what: string, from: number): number {
    const miss = this.misses.get(what);
    if (miss !== undefined && from >= miss) return -1;
    const at = this.s.indexOf(what, from);
    if (at < 0) this.misses.set(what, Math.min(from, miss ?? from));
    return at;
  }

  /** A character class, from '[' to its ']'. */
  private klass(): void {
    const s = this.s;
    const at = this.i;
    this.i++;
    if (this.c() === 94) this.i++; // ^
    let first = true;
    let prev = -1; // code of the previous single literal, for ranges
    let rangeFrom = -1; // set when a '-' follows a literal
    for (;;) {
      if (this.i >= s.length) this.fail('missing terminating ] for character class', at);
      const c = this.c();
      if (c === 93 && !first) {
        this.i++;
        return;
      }
      first = false;
      let lit = -1;
      if (c === 91 && (this.c(1) === 58 || this.c(1) === 61 || this.c(1) === 46)) {
        // [:name:] [=x=] [.x.]
        const kind = s.charAt(this.i + 1);
        const end = this.closer(`${kind}]`, this.i + 2);
        if (end < 0) {
          this.i++;
          lit = 91;
        } else {
          if (kind !== ':') this.fail('POSIX collating elements are not supported', this.i);
          let name = s.slice(this.i + 2, end);
          if (name.startsWith('^')) name = name.slice(1);
          if (!POSIX.has(name)) this.fail(`unknown POSIX class name '${name}'`, this.i);
          this.i = end + 2;
        }
      } else if (c === 92) {
        const eat = this.i;
        this.i++;
        if (this.i >= s.length) this.fail('\\ at end of pattern', eat);
        const e = this.c();
        this.i++;
        if (e === 81) {
          const end = s.indexOf('\\E', this.i);
          this.i = end < 0 ? s.length : end + 2;
        } else if (e === 69) {
          // \E alone
        } else if (!isWord(e)) lit = e;
        else this.escapeBody(e, eat);
      } else {
        this.i++;
        lit = c;
      }
      if (rangeFrom >= 0) {
        if (lit >= 0 && lit < rangeFrom) this.fail('range out of order in character class', this.i - 1);
        rangeFrom = -1;
        prev = -1;
        continue;
      }
      if (lit === 45 && prev >= 0 && this.c() !== 93) {
        rangeFrom = prev;
        continue;
      }
      prev = lit;
    }
  }

  /** A group opener: '(' and what follows it. */
  private open(): void {
    const s = this.s;
    const at = this.i;
    this.i++;
    if (this.c() === 42) {
      // (*VERB…) or (*alpha_assertion:
      this.i++;
      const st = this.i;
      while (isWord(this.c()) || this.c() === 61) this.i++;
      const name = s.slice(st, this.i);
      if (this.c() === 58 && ALPHA_ASSERTIONS.has(name)) {
        this.i++;
        this.depth++;
        return;
      }
      if (name === '' && this.c() !== 58) this.fail('(*VERB) not recognized or malformed', at);
      const end = s.indexOf(')', this.i);
      if (end < 0) this.fail('(*VERB) is not closed', at);
      this.i = end + 1; // a verb, not a group
      return;
    }
    if (this.c() !== 63) {
      this.captures++;
      this.depth++;
      return;
    }
    this.i++; // ?
    const c = this.c();
    const c1 = this.c(1);
    switch (c) {
      case 35: {
        // (?# comment )
        const end = s.indexOf(')', this.i);
        if (end < 0) this.fail('missing ) after (?# comment', at);
        this.i = end + 1;
        return;
      }
      case 58: // :
      case 124: // |
      case 62: // >
      case 61: // =
      case 33: // !
      case 42: // * (non-atomic lookahead)
        this.i++;
        this.depth++;
        return;
      case 60: // <
        if (c1 === 61 || c1 === 33 || c1 === 42) {
          this.i += 2;
          this.depth++;
          return;
        }
        this.i++;
        this.groupName('>', at);
        return;
      case 39: // '
        this.i++;
        this.groupName("'", at);
        return;
      case 80: // P
        if (c1 === 60) {
          this.i += 2;
          this.groupName('>', at);
          return;
        }
        if (c1 === 61 || c1 === 62) {
          this.i += 2;
          const end = s.indexOf(')', this.i);
          const name = end < 0 ? '' : s.slice(this.i, end);
          if (!/^[A-Za-z_]\w{0,31}$/.test(name))
            this.fail('(?P= or (?P> must be followed by a group name and )', at);
          this.named.push([name, at]);
          this.i = end + 1;
          return;
        }
        return this.fail('unrecognized character after (?P', at);
      case 38: {
        // (?&name)
        this.i++;
        const end = s.indexOf(')', this.i);
        const name = end < 0 ? '' : s.slice(this.i, end);
        if (!/^[A-Za-z_]\w{0,31}$/.test(name)) this.fail('(?& must be followed by a group name and )', at);
        this.named.push([name, at]);
        this.i = end + 1;
        return;
      }
      case 40: {
        // (?(condition)…)
        this.i++;
        this.depth++;
        if (this.c() === 63 || this.c() === 42) {
          // an assertion as the condition: scanned as a group of its own
          this.i--;
          return;
        }
        const end = s.indexOf(')', this.i);
        if (end < 0 || end === this.i) this.fail('malformed condition after (?(', at);
        const cond = s.slice(this.i, end);
        if (/^[+-]?\d+$/.test(cond)) {
          if (!cond.startsWith('+') && !cond.startsWith('-')) this.numbered.push([Number(cond), at]);
        } else if (/^<[A-Za-z_]\w*>$/.test(cond) || /^'[A-Za-z_]\w*'$/.test(cond))
          this.named.push([cond.slice(1, -1), at]);
        else if (!/^(R\d*|R&[A-Za-z_]\w*|DEFINE|VERSION[<>]?=\d+(\.\d+)?|[A-Za-z_]\w*)$/.test(cond))
          this.fail(`malformed condition '${cond}' after (?(`, at);
        this.i = end + 1;
        return;
      }
      case 67: {
        // (?C callout)
        const end = s.indexOf(')', this.i);
        if (end < 0) this.fail('missing ) after (?C', at);
        this.i = end + 1;
        return;
      }
      case 82: // (?R)
      case 43: // (?+1)
      case 45: // (?-1) or (?-i)
      default:
        break;
    }
    // (?R) (?n) (?+n) (?-n): recursion and subroutine calls
    const end = s.indexOf(')', this.i);
    const body = end < 0 ? '' : s.slice(this.i, end);
    if (body === 'R' || /^[+-]?\d+$/.test(body)) {
      if (/^\d+$/.test(body)) this.numbered.push([Number(body), at]);
      this.i = end + 1;
      return;
    }
    // option settings: (?imnsxJU-imnsx) or (?^…) alone or before ':'
    const st = this.i;
    while (/[a-zA-Z^-]/.test(s.charAt(this.i))) this.i++;
    const opts = s.slice(st, this.i);
    const term = this.c();
    if ((term !== 41 && term !== 58) || !/^\^?[imnsxJU]*(-[imnsxJU]*)?$|^a[DSWPT]?$/.test(opts))
      this.fail('unrecognized character after (? or (?-', at);
    const minus = opts.indexOf('-');
    if ((minus < 0 ? opts : opts.slice(0, minus)).includes('x')) this.extended = true;
    if (minus >= 0 && opts.slice(minus).includes('x')) this.extended = false;
    this.i++;
    if (term === 58) this.depth++;
  }

  /** A group name up to `close`, for (?<name> (?'name' (?P<name>. */
  private groupName(close: string, at: number): void {
    const end = this.s.indexOf(close, this.i);
    const name = end < 0 ? '' : this.s.slice(this.i, end);
    if (!/^[A-Za-z_]\w{0,31}$/.test(name))
      this.fail('a group name must be 1-32 word characters, not starting with a digit', at);
    this.names.add(name);
    this.captures++;
    this.depth++;
    this.i = end + 1;
  }
}

/** Why `pattern` is not a valid PCRE regular expression, or undefined when it is. */
export function pcreProblem(pattern: string): string | undefined {
  try {
    new Scanner(pattern).run();
    return undefined;
  } catch (e) {
    if (e instanceof Fail) return `${e.reason} (at offset ${e.at})`;
    throw e;
  }
}
