import { isIpv4, isIpv6 } from './observables.js';
import { pcreProblem } from './pcre.js';
import { isComparisonBoolean, parsePattern, PatternSyntaxError } from './pattern.js';
import type {
  ComparisonExpression,
  Literal,
  ObjectPath,
  ObservationExpression,
  PatternAst,
  Qualifier,
} from './pattern.js';
import type { StixIssue, StixRule } from './report.js';
import { K as PropKind, knownProperties, PREDEFINED_EXTENSIONS, typeSpec } from './specs.js';
import type { PropCheck } from './specs.js';
import { checkTimestamp, compareTimestamps } from './timestamp.js';
import { HASH_HEX_LENGTHS, isValidHashValue, normaliseHashName, SCO_TYPES } from './vocab.js';

/** The property kinds, bound once: an imported binding is a getter call per use under tsx/esbuild, and `switch (c.k)` reads it per case. */
const K = PropKind;

/**
 * Semantic checks on a parsed pattern: the MUSTs of spec §9 that the grammar (and so
 * cti-pattern-validator) does not enforce, plus the hash-format check OASIS adds.
 *
 * Errors (the pattern is rejected):
 *   pattern-syntax             the grammar (pattern.ts)
 *   pattern-mixed-types        AND inside one [...] whose operands no single object can satisfy (§9.4)
 *   pattern-cidr               ISSUBSET/ISSUPERSET not on an ipv4-addr/ipv6-addr value, or with a
 *                              value that is not an address or CIDR of that family (§9.6)
 *   pattern-regex              MATCHES with a regular expression PCRE would not compile (§9.6)
 *   pattern-timestamp          a timestamp constant naming a day that does not exist (§9.3, §2.16)
 *   pattern-integer            '+' written before a positive number, an integer outside the 54-bit
 *                              range, a negative list index (§9.3, §2.12, §9.7.2)
 *   pattern-qualifier-range    REPEATS or WITHIN not positive (§9.5)
 *   pattern-duplicate-qualifier two qualifiers of one type on one observation expression (§9.5)
 *   pattern-name               an object type or property name that is not lower case and well
 *                              formed (§3.1, §9.7); dictionary keys are exempt
 *   pattern-hex                a hex constant with upper-case digits (§9.3, §3.1)
 *   pattern-set                IN with constants of different types (§9.6)
 *   pattern-hash               a hash constant that does not suit its algorithm
 * Warnings (kept apart):
 *   pattern-object-type        a well-formed type that is neither a STIX SCO nor x- prefixed
 *   pattern-property           not a property of that SCO type
 *   pattern-qualifier-range    START not before STOP (matches nothing, but the spec allows it)
 */
export interface PatternAnalysis {
  readonly ast: PatternAst | undefined;
  readonly errors: StixIssue[];
  readonly warnings: StixIssue[];
}

const TYPE_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const PROPERTY_NAME = /^[a-z][a-z0-9_]*$/;
const ADDRESS_TYPES = ['ipv4-addr', 'ipv6-addr'];

type Props = ReadonlyMap<string, PropCheck>;
/** The STIX SCO types: well-formed names, no need to test them again. */
const GOOD_TYPES: ReadonlySet<string> = SCO_TYPES;

/** What an object path ends on, for ISSUBSET/ISSUPERSET. */
interface PathEnd {
  /** Address families the path's value can hold, when it ends on an address value. */
  families: readonly string[] | undefined;
}
const NO_ADDRESS: PathEnd = { families: undefined };

class Checker {
  readonly errors: StixIssue[] = [];
  readonly warnings: StixIssue[] = [];
  constructor(private readonly ptr: string) {}

  err(rule: StixRule, position: number, message: string): void {
    this.errors.push({ path: this.ptr, rule, message: `pattern position ${position}: ${message}` });
  }
  warn(rule: StixRule, position: number, message: string): void {
    this.warnings.push({ path: this.ptr, rule, message: `pattern position ${position}: ${message}` });
  }

  observation(e: ObservationExpression): void {
    switch (e.type) {
      case 'observation':
        if (isComparisonBoolean(e.comparison)) this.satisfiableBy(e.comparison);
        this.comparison(e.comparison);
        return;
      case 'group':
        this.observation(e.expression);
        return;
      case 'qualified':
        this.qualifiers(e.qualifiers);
        this.observation(e.expression);
        return;
      default:
        for (const o of e.operands) this.observation(o);
    }
  }

  private qualifiers(qs: readonly Qualifier[]): void {
    const seen = new Set<string>();
    for (const q of qs) {
      const name = q.type === 'start-stop' ? 'STARTSTOP' : q.type.toUpperCase();
      if (seen.has(name))
        this.err(
          'pattern-duplicate-qualifier',
          q.position,
          `duplicate qualifier type ${name}: an observation expression may carry each qualifier once`,
        );
      seen.add(name);
      if (q.type === 'repeats') {
        this.number(q.times, q.plus, 'int', q.position);
        if (!(q.times >= 1))
          this.err('pattern-qualifier-range', q.position, 'REPEATS needs a positive number of times');
      }
      if (q.type === 'within') {
        this.number(q.seconds, q.plus, 'float', q.position);
        if (!(q.seconds > 0))
          this.err('pattern-qualifier-range', q.position, 'WITHIN needs a positive number of seconds');
      }
      if (q.type === 'start-stop') {
        const bad = this.timestamp(q.start, q.position) || this.timestamp(q.stop, q.position);
        if (!bad && compareTimestamps(q.start, q.stop) >= 0)
          this.warn(
            'pattern-qualifier-range',
            q.position,
            `START ${q.start} is not earlier than STOP ${q.stop}: no observation can match`,
          );
      }
    }
  }

  /** Reports a timestamp constant that names a day that does not exist; returns whether it did. */
  private timestamp(t: string, position: number): boolean {
    if (checkTimestamp(t) !== 'calendar') return false;
    this.err('pattern-timestamp', position, `timestamp ${t} names a day that does not exist`);
    return true;
  }

  /** A number as written: no '+' sign; integers within ±(2^53−1). */
  private number(value: number, plus: true | undefined, kind: string, position: number): void {
    if (plus) this.err('pattern-integer', position, "a positive number is written without '+' (§9.3)");
    else if (kind === 'int' && !Number.isSafeInteger(value))
      this.err(
        'pattern-integer',
        position,
        `${value} is outside the integer range of STIX (±9007199254740991)`,
      );
  }

  /**
   * The object types that can satisfy `c` (OR: any operand's; AND: every operand's). An AND that
   * no single object can satisfy is reported (§9.4: "Comparison Expressions with Object Paths that
   * start with different object types … MUST be joined by OR").
   */
  private satisfiableBy(c: ComparisonExpression): ReadonlySet<string> {
    switch (c.type) {
      case 'comparison':
      case 'exists':
        return new Set([c.path.objectType]);
      case 'comparison-or': {
        const all = new Set<string>();
        for (const o of c.operands) for (const t of this.satisfiableBy(o)) all.add(t);
        return all;
      }
      default: {
        let acc: Set<string> | undefined;
        let union = new Set<string>();
        for (const o of c.operands) {
          const ts = this.satisfiableBy(o);
          union = new Set([...union, ...ts]);
          if (acc === undefined) {
            acc = new Set(ts);
            continue;
          }
          const meet = new Set([...acc].filter((t) => ts.has(t)));
          if (meet.size === 0 && acc.size > 0 && ts.size > 0) {
            this.err(
              'pattern-mixed-types',
              firstPosition(o),
              `comparisons on ${[...acc].join('/')} and ${[...ts].join('/')} are joined by AND inside one observation expression; the spec requires OR between object types (no single object can satisfy both)`,
            );
            return union; // reported once
          }
          acc = meet;
        }
        return acc ?? union;
      }
    }
  }

  private comparison(c: ComparisonExpression): void {
    if (isComparisonBoolean(c)) {
      for (const o of c.operands) this.comparison(o);
      return;
    }
    const end = this.objectPath(c.path);
    if (c.type === 'exists') return;
    const values: readonly Literal[] = Array.isArray(c.value) ? c.value : [c.value as Literal];
    let first: string | undefined;
    let mixed = false;
    for (const v of values) {
      const kind = v.kind === 'int' || v.kind === 'float' ? 'number' : v.kind;
      if (first === undefined) first = kind;
      else if (kind !== first) mixed = true;
      if (v.kind === 'timestamp') this.timestamp(v.value as string, v.position);
      else if (v.kind === 'int' || v.kind === 'float')
        this.number(v.value as number, v.plus, v.kind, v.position);
      else if (v.kind === 'hex' && /[A-F]/.test(v.value as string))
        this.err(
          'pattern-hex',
          v.position,
          "hex constants use the digits and the lower-case letters 'a'-'f'",
        );
    }
    if (c.operator === 'IN' && mixed)
      this.err('pattern-set', c.position, 'the constants of IN must all be of one data type');
    this.hashValues(c.path, c.operator, values);
    if (c.operator === 'MATCHES') {
      const problem = pcreProblem(values[0]!.value as string);
      if (problem !== undefined)
        this.err('pattern-regex', values[0]!.position, `not a valid PCRE regular expression: ${problem}`);
    }
    if (c.operator === 'ISSUBSET' || c.operator === 'ISSUPERSET') {
      if (end.families === undefined) {
        this.err(
          'pattern-cidr',
          c.position,
          `${c.operator} applies to the value of an ipv4-addr or ipv6-addr object (e.g. ipv4-addr:value, network-traffic:dst_ref.value), not to ${pathText(c.path)}`,
        );
      } else {
        const v = values[0]!.value as string;
        const ok =
          (end.families.includes('ipv4-addr') && isIpv4(v)) ||
          (end.families.includes('ipv6-addr') && isIpv6(v));
        if (!ok)
          this.err(
            'pattern-cidr',
            values[0]!.position,
            `'${clip(v)}' is not an ${end.families.map((f) => (f === 'ipv4-addr' ? 'IPv4' : 'IPv6')).join(' or ')} address or CIDR block`,
          );
      }
    }
  }

  /** hashes.<ALG> compared with strings: the values must suit the algorithm (as cti-pattern-validator). */
  private hashValues(path: ObjectPath, op: string, values: readonly Literal[]): void {
    const steps = path.steps;
    const last = steps[steps.length - 1];
    const prev = steps[steps.length - 2];
    if (
      last?.kind !== 'property' ||
      prev?.kind !== 'property' ||
      prev.name !== 'hashes' ||
      (op !== '=' && op !== '!=' && op !== 'IN')
    )
      return;
    const alg = normaliseHashName(last.name);
    if (!HASH_HEX_LENGTHS.has(alg) && alg !== 'SSDEEP' && alg !== 'TLSH') return;
    for (const v of values)
      if (v.kind === 'string' && !isValidHashValue(last.name, v.value as string))
        this.err('pattern-hash', v.position, `'${clip(v.value as string)}' is not a valid ${last.name} hash`);
  }

  /**
   * Checks the names along an object path: the type and every property name must be lower case
   * and well formed (dictionary keys and extension keys may be anything); unknown types and
   * properties are warnings. Returns what the path ends on.
   */
  private objectPath(p: ObjectPath): PathEnd {
    const t = p.objectType;
    if (!GOOD_TYPES.has(t) && (t.length < 3 || t.length > 250 || !TYPE_NAME.test(t))) {
      this.err(
        'pattern-name',
        p.position,
        `'${clip(t)}' is not a valid object type: type names are lower case a-z, 0-9 and single '-', 3 to 250 characters`,
      );
      return NO_ADDRESS;
    }
    let props: Props | undefined = knownProperties(t);
    if (props === undefined && !SCO_TYPES.has(t) && !t.startsWith('x-'))
      this.warn('pattern-object-type', p.position, `'${clip(t)}' is not a STIX 2.1 cyber-observable type`);
    // mode: what the next property step names
    let mode: 'prop' | 'key' | 'ext' | 'free' = 'prop';
    let families: readonly string[] | undefined;
    let lastRef: string[] | undefined;
    let first = true;
    for (const st of p.steps) {
      if (st.kind === 'index') {
        if (typeof st.index === 'number') {
          if (st.plus || st.index < 0)
            this.err(
              'pattern-integer',
              p.position,
              `list index ${st.plus ? '+' : ''}${st.index} in ${pathText(p)}: indexes are 0 to N-1, written without a sign`,
            );
          else this.number(st.index, undefined, 'int', p.position);
        }
        continue;
      }
      const name = st.name;
      families = undefined;
      const refs = lastRef;
      lastRef = undefined;
      switch (mode) {
        case 'key':
          mode = 'free';
          props = undefined;
          continue;
        case 'free':
          continue;
        case 'ext': {
          const spec = PREDEFINED_EXTENSIONS.get(t)?.has(name) ? typeSpec(name) : undefined;
          props = spec?.props;
          mode = 'prop';
          continue;
        }
        default:
          break;
      }
      if (name.length < 3 || name.length > 250 || !PROPERTY_NAME.test(name)) {
        this.err(
          'pattern-name',
          p.position,
          `'${clip(name)}' in ${pathText(p)} is not a valid property name: lower case a-z, 0-9 and '_', 3 to 250 characters, starting with a letter`,
        );
        return NO_ADDRESS;
      }
      if (name === 'value' && refs !== undefined) families = refs.filter((x) => ADDRESS_TYPES.includes(x));
      if (name === 'value' && first && ADDRESS_TYPES.includes(t)) families = [t];
      const check = props?.get(name);
      if (check === undefined) {
        if (props !== undefined && first && !name.startsWith('x_'))
          this.warn('pattern-property', p.position, `${t} has no property '${clip(name)}'`);
        // unknown property: a reference if it says so by its name
        if (name.endsWith('_ref') || name.endsWith('_refs')) {
          lastRef = ADDRESS_TYPES.slice();
          mode = 'prop';
        } else mode = 'free';
        props = undefined;
        first = false;
        continue;
      }
      first = false;
      switch (check.k) {
        case K.Sub:
        case K.Subs:
          props = typeSpec(check.arg)?.props;
          break;
        case K.Ref:
        case K.Refs: {
          const concrete = check.types.filter((x) => !x.startsWith('*'));
          lastRef = check.types.some((x) => x.startsWith('*')) ? ADDRESS_TYPES.slice() : concrete;
          props = concrete.length === 1 ? knownProperties(concrete[0]!) : undefined;
          break;
        }
        case K.Extensions:
          mode = 'ext';
          props = undefined;
          break;
        case K.Hashes:
        case K.Dictionary:
        case K.Object:
        case K.Any:
          mode = 'key';
          props = undefined;
          break;
        default:
          mode = 'free';
          props = undefined;
      }
    }
    return families !== undefined && families.length > 0 ? { families } : NO_ADDRESS;
  }
}

function pathText(p: ObjectPath): string {
  let s = `${p.objectType}:`;
  let first = true;
  for (const st of p.steps) {
    if (st.kind === 'property') s += first ? st.name : `.${st.name}`;
    else s += `[${st.index}]`;
    first = false;
  }
  return clip(s);
}

function firstPosition(c: ComparisonExpression): number {
  let x: ComparisonExpression = c;
  while (isComparisonBoolean(x)) x = x.operands[0]!;
  return x.position;
}

function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 80)}…` : s;
}

/** Parses and checks a pattern. Never throws; `path` is the JSON pointer the issues carry. */
export function analyzePattern(pattern: string, path = ''): PatternAnalysis {
  let ast: PatternAst;
  try {
    ast = parsePattern(pattern);
  } catch (e) {
    if (e instanceof PatternSyntaxError) {
      return {
        ast: undefined,
        errors: [
          {
            path,
            rule: 'pattern-syntax',
            message: `pattern syntax error at position ${e.position}: ${e.reason}`,
          },
        ],
        warnings: [],
      };
    }
    return {
      ast: undefined,
      errors: [{ path, rule: 'pattern-syntax', message: 'the pattern could not be parsed' }],
      warnings: [],
    };
  }
  const c = new Checker(path);
  c.observation(ast.expression);
  return { ast, errors: c.errors, warnings: c.warnings };
}

/** Syntax and semantic errors of a pattern (empty when valid). Warnings: see `analyzePattern`. Never throws. */
export function validatePattern(pattern: string): StixIssue[] {
  if (typeof pattern !== 'string')
    return [{ path: '', rule: 'pattern-syntax', message: 'a pattern must be a string' }];
  return analyzePattern(pattern).errors;
}
