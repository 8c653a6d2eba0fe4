/**
 * STIX 2.1 patterning language (spec §9): a hand-written lexer and recursive-descent parser that
 * follows the OASIS ANTLR grammar `STIXPattern.g4`. Linear time, no regex on the input, nesting
 * bounded, chains of AND/OR/FOLLOWEDBY and of qualifiers kept flat (no deep trees to overflow
 * the stack of whoever walks the AST).
 */

export const MAX_PATTERN_LENGTH = 100_000;
export const MAX_PATTERN_NESTING = 64;

/** A syntax error in a pattern; `position` is the 0-based character offset of the offending input. */
export class PatternSyntaxError extends Error {
  readonly rule = 'pattern-syntax';
  /** The message without the position. */
  readonly reason: string;
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} (at position ${position})`);
    this.reason = message;
    this.name = 'PatternSyntaxError';
  }
}

// ---------------------------------------------------------------------------------------- AST

export type LiteralKind = 'string' | 'int' | 'float' | 'binary' | 'hex' | 'timestamp' | 'boolean';

export interface Literal {
  readonly kind: LiteralKind;
  /** string: the unescaped text; binary: the base64 text (line feeds removed); hex: the hex digits; timestamp: the text inside t'…'. */
  readonly value: string | number | boolean;
  readonly position: number;
  /** int and float: present (true) when written with a leading '+', which the grammar allows and the spec does not. */
  readonly plus?: true;
}

export type PathStep =
  | { readonly kind: 'property'; readonly name: string }
  | { readonly kind: 'index'; readonly index: number | '*'; readonly plus?: true };

export interface ObjectPath {
  readonly objectType: string;
  readonly steps: readonly PathStep[];
  readonly position: number;
}

export type ComparisonOperator =
  '=' | '!=' | '<' | '>' | '<=' | '>=' | 'IN' | 'LIKE' | 'MATCHES' | 'ISSUBSET' | 'ISSUPERSET';

export interface Comparison {
  readonly type: 'comparison';
  readonly path: ObjectPath;
  /** '==' is normalised to '=' and '<>' to '!='. */
  readonly operator: ComparisonOperator;
  readonly negated: boolean;
  /** A list for IN, one literal otherwise. */
  readonly value: Literal | readonly Literal[];
  readonly position: number;
}

export interface Exists {
  readonly type: 'exists';
  readonly path: ObjectPath;
  readonly negated: boolean;
  readonly position: number;
}

export interface ComparisonBoolean {
  readonly type: 'comparison-and' | 'comparison-or';
  readonly operands: readonly ComparisonExpression[];
}

export type ComparisonExpression = Comparison | Exists | ComparisonBoolean;

export function isComparisonBoolean(c: ComparisonExpression): c is ComparisonBoolean {
  return c.type === 'comparison-and' || c.type === 'comparison-or';
}

export interface Observation {
  readonly type: 'observation';
  readonly comparison: ComparisonExpression;
  readonly position: number;
}

export interface ObservationGroup {
  readonly type: 'group';
  readonly expression: ObservationExpression;
  readonly position: number;
}

export type Qualifier =
  | { readonly type: 'within'; readonly seconds: number; readonly position: number; readonly plus?: true }
  | { readonly type: 'repeats'; readonly times: number; readonly position: number; readonly plus?: true }
  | { readonly type: 'start-stop'; readonly start: string; readonly stop: string; readonly position: number };

export interface Qualified {
  readonly type: 'qualified';
  /** An observation or a group, never another `qualified`: chains are kept in `qualifiers`. */
  readonly expression: Observation | ObservationGroup;
  readonly qualifiers: readonly Qualifier[];
}

export interface ObservationBoolean {
  readonly type: 'and' | 'or' | 'followedby';
  readonly operands: readonly ObservationExpression[];
}

export type ObservationExpression = Observation | ObservationGroup | Qualified | ObservationBoolean;

export interface PatternAst {
  readonly type: 'pattern';
  readonly expression: ObservationExpression;
}

// ---------------------------------------------------------------------------------------- lexer

const enum T {
  EOF,
  LBRACK,
  RBRACK,
  LPAREN,
  RPAREN,
  COMMA,
  COLON,
  DOT,
  STAR,
  OP, // = == != <> < > <= >=
  KEYWORD,
  IDENT,
  STRING,
  INT,
  FLOAT,
  BINARY,
  HEX,
  TIMESTAMP,
  BOOL,
}

interface Token {
  t: T;
  /** The raw text (keywords, operators, identifiers, numbers) or the literal's decoded value. */
  text: string;
  pos: number;
  /** Identifiers: whether they contain '-'; numbers: whether signed with '-'. */
  flag: boolean;
}

const KEYWORDS = new Set([
  'AND',
  'OR',
  'NOT',
  'FOLLOWEDBY',
  'LIKE',
  'MATCHES',
  'ISSUPERSET',
  'ISSUBSET',
  'LAST',
  'IN',
  'START',
  'STOP',
  'SECONDS',
  'WITHIN',
  'REPEATS',
  'TIMES',
  'EXISTS',
]);

function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}
function isIdentPart(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57);
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isHex(c: number): boolean {
  return isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}
function isB64(c: number): boolean {
  return isIdentPart(c) && c !== 95 ? true : c === 43 || c === 47;
}
function isSpace(c: number): boolean {
  if (c === 32 || (c >= 9 && c <= 13)) return true;
  if (c < 128) return false;
  return (
    c === 0x85 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

function show(s: string): string {
  return s.length > 40 ? `'${s.slice(0, 40)}…'` : `'${s}'`;
}

class Lexer {
  private i = 0;
  constructor(private readonly s: string) {}

  next(): Token {
    const s = this.s;
    const n = s.length;
    // whitespace and comments
    for (;;) {
      while (this.i < n && isSpace(s.charCodeAt(this.i))) this.i++;
      if (s.charCodeAt(this.i) === 47 && s.charCodeAt(this.i + 1) === 42) {
        const end = s.indexOf('*/', this.i + 2);
        if (end < 0) throw new PatternSyntaxError('unterminated comment', this.i);
        this.i = end + 2;
        continue;
      }
      if (s.charCodeAt(this.i) === 47 && s.charCodeAt(this.i + 1) === 47) {
        while (this.i < n && s.charCodeAt(this.i) !== 10 && s.charCodeAt(this.i) !== 13) this.i++;
        continue;
      }
      break;
    }
    const pos = this.i;
    if (pos >= n) return { t: T.EOF, text: '<end of pattern>', pos, flag: false };
    const c = s.charCodeAt(pos);
    switch (c) {
      case 91:
        this.i++;
        return { t: T.LBRACK, text: '[', pos, flag: false };
      case 93:
        this.i++;
        return { t: T.RBRACK, text: ']', pos, flag: false };
      case 40:
        this.i++;
        return { t: T.LPAREN, text: '(', pos, flag: false };
      case 41:
        this.i++;
        return { t: T.RPAREN, text: ')', pos, flag: false };
      case 44:
        this.i++;
        return { t: T.COMMA, text: ',', pos, flag: false };
      case 58:
        this.i++;
        return { t: T.COLON, text: ':', pos, flag: false };
      case 42:
        this.i++;
        return { t: T.STAR, text: '*', pos, flag: false };
      case 61: // = ==
        this.i += s.charCodeAt(pos + 1) === 61 ? 2 : 1;
        return { t: T.OP, text: '=', pos, flag: false };
      case 33: // !=
        if (s.charCodeAt(pos + 1) === 61) {
          this.i += 2;
          return { t: T.OP, text: '!=', pos, flag: false };
        }
        throw new PatternSyntaxError("unexpected '!' (did you mean '!=')", pos);
      case 60: {
        // < <= <>
        const d = s.charCodeAt(pos + 1);
        if (d === 61) {
          this.i += 2;
          return { t: T.OP, text: '<=', pos, flag: false };
        }
        if (d === 62) {
          this.i += 2;
          return { t: T.OP, text: '!=', pos, flag: false };
        }
        this.i++;
        return { t: T.OP, text: '<', pos, flag: false };
      }
      case 62: // > >=
        if (s.charCodeAt(pos + 1) === 61) {
          this.i += 2;
          return { t: T.OP, text: '>=', pos, flag: false };
        }
        this.i++;
        return { t: T.OP, text: '>', pos, flag: false };
      case 39:
        return this.string(pos);
      default:
        break;
    }
    if (c === 43 || c === 45 || c === 46 || isDigit(c)) return this.number(pos);
    if (isIdentStart(c)) {
      const q = s.charCodeAt(pos + 1);
      if (q === 39 && (c === 116 || c === 98 || c === 104)) return this.prefixed(pos, c);
      let j = pos + 1;
      let hyphen = false;
      for (; j < n; j++) {
        const d = s.charCodeAt(j);
        if (isIdentPart(d)) continue;
        if (d === 45) {
          hyphen = true;
          continue;
        }
        break;
      }
      this.i = j;
      const text = s.slice(pos, j);
      if (!hyphen && KEYWORDS.has(text)) return { t: T.KEYWORD, text, pos, flag: false };
      if (text === 'true' || text === 'false') return { t: T.BOOL, text, pos, flag: false };
      return { t: T.IDENT, text, pos, flag: hyphen };
    }
    if (c === 46) {
      this.i++;
      return { t: T.DOT, text: '.', pos, flag: false };
    }
    throw new PatternSyntaxError(`unexpected character ${show(s.charAt(pos))}`, pos);
  }

  private string(pos: number): Token {
    const s = this.s;
    let j = pos + 1;
    let out = '';
    // next quote and next backslash at or after j, each searched again only once passed: linear
    let q = s.indexOf("'", j);
    let b = s.indexOf('\\', j);
    for (;;) {
      if (q >= 0 && q < j) q = s.indexOf("'", j);
      if (b >= 0 && b < j) b = s.indexOf('\\', j);
      if (q < 0) throw new PatternSyntaxError('unterminated string literal', pos);
      if (b < 0 || b > q) {
        out += s.slice(j, q);
        this.i = q + 1;
        return { t: T.STRING, text: out, pos, flag: false };
      }
      const d = s.charCodeAt(b + 1);
      if (d !== 39 && d !== 92)
        throw new PatternSyntaxError("invalid escape in string literal: only \\' and \\\\ are allowed", b);
      out += s.slice(j, b) + s.charAt(b + 1);
      j = b + 2;
    }
  }

  private number(pos: number): Token {
    const s = this.s;
    let j = pos;
    const sign = s.charCodeAt(j);
    if (sign === 43 || sign === 45) j++;
    const intStart = j;
    while (isDigit(s.charCodeAt(j))) j++;
    const intDigits = j - intStart;
    if (s.charCodeAt(j) === 46 && isDigit(s.charCodeAt(j + 1))) {
      j++;
      while (isDigit(s.charCodeAt(j))) j++;
      this.i = j;
      return { t: T.FLOAT, text: s.slice(pos, j), pos, flag: sign === 45 };
    }
    if (intDigits === 0) {
      if (sign === 46) {
        this.i = pos + 1;
        return { t: T.DOT, text: '.', pos, flag: false };
      }
      throw new PatternSyntaxError(`unexpected character ${show(s.charAt(pos))}`, pos);
    }
    if (intDigits > 1 && s.charCodeAt(intStart) === 48)
      throw new PatternSyntaxError('integer literal with a leading zero', pos);
    this.i = j;
    return { t: T.INT, text: s.slice(pos, j), pos, flag: sign === 45 };
  }

  /** t'…', b'…', h'…' */
  private prefixed(pos: number, c: number): Token {
    const s = this.s;
    const end = s.indexOf("'", pos + 2);
    const kind = c === 116 ? 'timestamp' : c === 98 ? 'binary' : 'hex';
    if (end < 0) throw new PatternSyntaxError(`unterminated ${kind} literal`, pos);
    const body = s.slice(pos + 2, end);
    if (c === 116) {
      if (!isTimestampLiteral(body))
        throw new PatternSyntaxError(
          `invalid timestamp literal ${show(body)}: expected t'YYYY-MM-DDTHH:MM:SS[.s+]Z'`,
          pos,
        );
      this.i = end + 1;
      return { t: T.TIMESTAMP, text: body, pos, flag: false };
    }
    if (c === 104) {
      if (body.length % 2 !== 0)
        throw new PatternSyntaxError('hex literal must have an even number of digits', pos);
      for (let k = 0; k < body.length; k++)
        if (!isHex(body.charCodeAt(k)))
          throw new PatternSyntaxError(`invalid hex literal ${show(body)}`, pos);
      this.i = end + 1;
      return { t: T.HEX, text: body, pos, flag: false };
    }
    // spec §9.3: line feeds in the base64 data MUST be supported and ignored
    const b64 = body.indexOf('\n') < 0 ? body : body.replace(/\r?\n/g, '');
    if (!isBase64(b64)) throw new PatternSyntaxError(`invalid base64 in binary literal ${show(body)}`, pos);
    this.i = end + 1;
    return { t: T.BINARY, text: b64, pos, flag: false };
  }
}

/** The grammar's TimestampLiteral (form only; the calendar is a semantic check). */
function isTimestampLiteral(b: string): boolean {
  const n = b.length;
  if (n < 20) return false;
  for (const k of [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18])
    if (!isDigit(b.charCodeAt(k))) return false;
  if (b[4] !== '-' || b[7] !== '-' || b[10] !== 'T' || b[13] !== ':' || b[16] !== ':' || b[n - 1] !== 'Z')
    return false;
  const num = (k: number): number => (b.charCodeAt(k) - 48) * 10 + b.charCodeAt(k + 1) - 48;
  const mo = num(5),
    d = num(8),
    h = num(11),
    mi = num(14),
    se = num(17);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return false;
  if (n === 20) return true;
  if (b[19] !== '.' || n < 22) return false;
  for (let k = 20; k < n - 1; k++) if (!isDigit(b.charCodeAt(k))) return false;
  return true;
}

function isBase64(b: string): boolean {
  const n = b.length;
  if (n % 4 !== 0) return false;
  let pad = 0;
  if (n > 0 && b.charCodeAt(n - 1) === 61) pad = b.charCodeAt(n - 2) === 61 ? 2 : 1;
  if (pad > 0 && n - pad < 2) return false;
  for (let k = 0; k < n - pad; k++) if (!isB64(b.charCodeAt(k))) return false;
  // a full group of 4 must not be made of padding only; n - pad >= 2 in the last group
  return pad === 0 || (n - pad) % 4 >= 2;
}

// ---------------------------------------------------------------------------------------- parser

const PLUS: { plus: true } = { plus: true };
const NONE = {};
/** `{ plus: true }` for a number written with a leading '+', else nothing. */
function plus(text: string): { plus?: true } {
  return text.charCodeAt(0) === 43 ? PLUS : NONE;
}

function describe(tok: Token): string {
  switch (tok.t) {
    case T.EOF:
      return 'the end of the pattern';
    case T.STRING:
      return `string ${show(tok.text)}`;
    default:
      return show(tok.text);
  }
}

class Parser {
  private readonly lx: Lexer;
  private tok: Token;
  private depth = 0;
  constructor(src: string) {
    this.lx = new Lexer(src);
    this.tok = this.lx.next();
  }

  private advance(): Token {
    const t = this.tok;
    this.tok = this.lx.next();
    return t;
  }
  private fail(expected: string): never {
    throw new PatternSyntaxError(`expected ${expected} but found ${describe(this.tok)}`, this.tok.pos);
  }
  private peek(): T {
    return this.tok.t;
  }
  private isKw(k: string): boolean {
    return this.tok.t === T.KEYWORD && this.tok.text === k;
  }
  private expect(t: T, what: string): Token {
    if (this.tok.t !== t) this.fail(what);
    return this.advance();
  }
  private enter(pos: number): void {
    if (++this.depth > MAX_PATTERN_NESTING)
      throw new PatternSyntaxError(`pattern nests deeper than ${MAX_PATTERN_NESTING} levels`, pos);
  }

  pattern(): PatternAst {
    const expression = this.observationExpressions();
    if (this.tok.t !== T.EOF) this.fail('AND, OR, FOLLOWEDBY, a qualifier or the end of the pattern');
    return { type: 'pattern', expression };
  }

  private observationExpressions(): ObservationExpression {
    return this.obsChain('followedby', 'FOLLOWEDBY', () =>
      this.obsChain('or', 'OR', () => this.obsChain('and', 'AND', () => this.qualified())),
    );
  }

  private obsChain(
    type: ObservationBoolean['type'],
    kw: string,
    next: () => ObservationExpression,
  ): ObservationExpression {
    const first = next();
    if (!this.isKw(kw)) return first;
    const operands = [first];
    while (this.isKw(kw)) {
      this.advance();
      operands.push(next());
    }
    return { type, operands };
  }

  private qualified(): ObservationExpression {
    const base = this.observationPrimary();
    let qualifiers: Qualifier[] | undefined;
    for (;;) {
      const pos = this.tok.pos;
      let q: Qualifier;
      if (this.isKw('WITHIN')) {
        this.advance();
        if ((this.tok.t !== T.INT && this.tok.t !== T.FLOAT) || this.tok.flag)
          this.fail('a positive number of seconds after WITHIN');
        const text = this.advance().text;
        if (!this.isKw('SECONDS')) this.fail("'SECONDS'");
        this.advance();
        q = { type: 'within', seconds: Number(text), position: pos, ...plus(text) };
      } else if (this.isKw('REPEATS')) {
        this.advance();
        if (this.tok.t !== T.INT || this.tok.flag) this.fail('a positive integer after REPEATS');
        const text = this.advance().text;
        if (!this.isKw('TIMES')) this.fail("'TIMES'");
        this.advance();
        q = { type: 'repeats', times: Number(text), position: pos, ...plus(text) };
      } else if (this.isKw('START')) {
        this.advance();
        const start = this.expect(T.TIMESTAMP, "a timestamp literal t'…' after START").text;
        if (!this.isKw('STOP')) this.fail("'STOP'");
        this.advance();
        const stop = this.expect(T.TIMESTAMP, "a timestamp literal t'…' after STOP").text;
        q = { type: 'start-stop', start, stop, position: pos };
      } else break;
      (qualifiers ??= []).push(q);
    }
    return qualifiers ? { type: 'qualified', expression: base, qualifiers } : base;
  }

  private observationPrimary(): Observation | ObservationGroup {
    const pos = this.tok.pos;
    if (this.tok.t === T.LBRACK) {
      this.enter(pos);
      this.advance();
      const comparison = this.comparisonOr();
      this.expect(T.RBRACK, "AND, OR or ']'");
      this.depth--;
      return { type: 'observation', comparison, position: pos };
    }
    if (this.tok.t === T.LPAREN) {
      this.enter(pos);
      this.advance();
      const expression = this.observationExpressions();
      this.expect(T.RPAREN, "AND, OR, FOLLOWEDBY, a qualifier or ')'");
      this.depth--;
      return { type: 'group', expression, position: pos };
    }
    return this.fail("'[' or '('");
  }

  private comparisonOr(): ComparisonExpression {
    const first = this.comparisonAnd();
    if (!this.isKw('OR')) return first;
    const operands = [first];
    while (this.isKw('OR')) {
      this.advance();
      operands.push(this.comparisonAnd());
    }
    return { type: 'comparison-or', operands };
  }

  private comparisonAnd(): ComparisonExpression {
    const first = this.propTest();
    if (!this.isKw('AND')) return first;
    const operands = [first];
    while (this.isKw('AND')) {
      this.advance();
      operands.push(this.propTest());
    }
    return { type: 'comparison-and', operands };
  }

  private propTest(): ComparisonExpression {
    const pos = this.tok.pos;
    if (this.tok.t === T.LPAREN) {
      this.enter(pos);
      this.advance();
      const inner = this.comparisonOr();
      this.expect(T.RPAREN, "AND, OR or ')'");
      this.depth--;
      return inner;
    }
    let negated = false;
    if (this.isKw('NOT')) {
      negated = true;
      this.advance();
      if (!this.isKw('EXISTS')) this.fail("'EXISTS' after NOT");
    }
    if (this.isKw('EXISTS')) {
      this.advance();
      const path = this.objectPath();
      return { type: 'exists', path, negated, position: pos };
    }
    const path = this.objectPath();
    if (this.isKw('NOT')) {
      negated = true;
      this.advance();
    }
    const opTok = this.tok;
    if (opTok.t === T.OP) {
      this.advance();
      const op = opTok.text as ComparisonOperator;
      const lit = this.literal(op === '=' || op === '!=');
      return { type: 'comparison', path, operator: op, negated, value: lit, position: pos };
    }
    if (opTok.t === T.KEYWORD) {
      switch (opTok.text) {
        case 'IN': {
          this.advance();
          this.expect(T.LPAREN, "'(' after IN");
          const values: Literal[] = [];
          if (this.tok.t !== T.RPAREN) {
            values.push(this.literal(true));
            while (this.tok.t === T.COMMA) {
              this.advance();
              values.push(this.literal(true));
            }
          }
          this.expect(T.RPAREN, "',' or ')'");
          return { type: 'comparison', path, operator: 'IN', negated, value: values, position: pos };
        }
        case 'LIKE':
        case 'MATCHES':
        case 'ISSUBSET':
        case 'ISSUPERSET': {
          this.advance();
          const t = this.expect(T.STRING, `a string literal after ${opTok.text}`);
          return {
            type: 'comparison',
            path,
            operator: opTok.text,
            negated,
            value: { kind: 'string', value: t.text, position: t.pos },
            position: pos,
          };
        }
        default:
          break;
      }
    }
    return this.fail('a comparison operator (=, !=, <, >, <=, >=, IN, LIKE, MATCHES, ISSUBSET, ISSUPERSET)');
  }

  private literal(allowBool: boolean): Literal {
    const t = this.tok;
    switch (t.t) {
      case T.STRING:
        this.advance();
        return { kind: 'string', value: t.text, position: t.pos };
      case T.INT:
        this.advance();
        return { kind: 'int', value: Number(t.text), position: t.pos, ...plus(t.text) };
      case T.FLOAT:
        this.advance();
        return { kind: 'float', value: Number(t.text), position: t.pos, ...plus(t.text) };
      case T.BINARY:
        this.advance();
        return { kind: 'binary', value: t.text, position: t.pos };
      case T.HEX:
        this.advance();
        return { kind: 'hex', value: t.text, position: t.pos };
      case T.TIMESTAMP:
        this.advance();
        return { kind: 'timestamp', value: t.text, position: t.pos };
      case T.BOOL:
        if (!allowBool) return this.fail('an orderable literal (number, string, binary, hex or timestamp)');
        this.advance();
        return { kind: 'boolean', value: t.text === 'true', position: t.pos };
      default:
        return this.fail('a literal');
    }
  }

  private objectPath(): ObjectPath {
    const pos = this.tok.pos;
    if (this.tok.t !== T.IDENT) this.fail('an object type');
    const objectType = this.advance().text;
    this.expect(T.COLON, "':' between the object type and the property");
    const steps: PathStep[] = [];
    steps.push({ kind: 'property', name: this.pathName() });
    for (;;) {
      const tt = this.peek();
      if (tt === T.DOT) {
        this.advance();
        steps.push({ kind: 'property', name: this.pathName() });
      } else if (tt === T.FLOAT && this.tok.text.startsWith('.')) {
        // `.0` lexed as a float: a numeric property name is not allowed
        this.fail('a property name after "."');
      } else if (tt === T.LBRACK) {
        this.advance();
        const t = this.tok;
        if (t.t === T.STAR) {
          this.advance();
          steps.push({ kind: 'index', index: '*' });
        } else if (t.t === T.INT) {
          this.advance();
          steps.push({ kind: 'index', index: Number(t.text), ...plus(t.text) });
        } else this.fail("a list index or '*'");
        this.expect(T.RBRACK, "']' after the list index");
      } else break;
    }
    return { objectType, steps, position: pos };
  }

  private pathName(): string {
    const t = this.tok;
    if (t.t === T.STRING) {
      this.advance();
      return t.text;
    }
    if (t.t === T.IDENT && !t.flag) {
      this.advance();
      return t.text;
    }
    if (t.t === T.IDENT) this.fail(`a property name (quote names with '-' or '.', e.g. '${t.text}')`);
    return this.fail('a property name');
  }
}

/** Parses a STIX pattern into its AST. Throws PatternSyntaxError (with `.position`) on bad input. */
export function parsePattern(pattern: string): PatternAst {
  if (typeof pattern !== 'string') throw new PatternSyntaxError('a pattern must be a string', 0);
  if (pattern.length > MAX_PATTERN_LENGTH)
    throw new PatternSyntaxError(`pattern longer than ${MAX_PATTERN_LENGTH} characters`, MAX_PATTERN_LENGTH);
  // OASIS pre-check: after leading '(' and whitespace, the first character must be '['.
  let k = 0;
  while (k < pattern.length && (pattern.charCodeAt(k) === 40 || isSpace(pattern.charCodeAt(k)))) k++;
  if (pattern.charCodeAt(k) !== 91)
    throw new PatternSyntaxError(
      'input is missing square brackets: an observation expression is written [type:property = value]',
      0,
    );
  return new Parser(pattern).pattern();
}
