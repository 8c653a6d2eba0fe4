import { isComparisonBoolean, parsePattern, PatternSyntaxError } from './pattern.js';
import type {
  ComparisonExpression,
  Literal,
  ObjectPath,
  ObservationExpression,
  PatternAst,
  Qualifier,
} from './pattern.js';
import type { StixIssue } from './report.js';
import { knownProperties } from './specs.js';
import { checkTimestamp, compareTimestamps } from './timestamp.js';
import { HASH_HEX_LENGTHS, isValidHashValue, normaliseHashName, SCO_TYPES } from './vocab.js';

/**
 * Semantic checks on a parsed pattern (spec §9, and what cti-pattern-validator adds to the grammar).
 *
 * Errors (the pattern is rejected):
 *   pattern-syntax, pattern-hash (value does not suit its algorithm), pattern-duplicate-qualifier
 *   (two qualifiers of one type directly on a `[...]`, as OASIS; a group `(...)` with two is left
 *   alone, as OASIS does), pattern-qualifier-range (REPEATS 0, WITHIN 0, START not before STOP).
 * Warnings (kept apart, as the reference file recommends):
 *   pattern-object-type (not a STIX SCO type nor a well-formed custom one), pattern-property
 *   (not a property of that SCO type), pattern-timestamp (a date that does not exist, e.g. Feb 30:
 *   the grammar accepts it), pattern-mixed-types (AND between different object types inside one
 *   `[...]`, which can never match), pattern-cidr (ISSUBSET/ISSUPERSET on a non-address).
 */
export interface PatternAnalysis {
  readonly ast: PatternAst | undefined;
  readonly errors: StixIssue[];
  readonly warnings: StixIssue[];
}

const CUSTOM_TYPE = /^[a-z0-9][a-z0-9-]{1,248}[a-z0-9]$/;
const PROPERTY_NAME = /^[a-z0-9_]{1,250}$/;

class Checker {
  readonly errors: StixIssue[] = [];
  readonly warnings: StixIssue[] = [];
  constructor(private readonly ptr: string) {}

  err(rule: string, position: number, message: string): void {
    this.errors.push({ path: this.ptr, rule, message: `pattern position ${position}: ${message}` });
  }
  warn(rule: string, position: number, message: string): void {
    this.warnings.push({ path: this.ptr, rule, message: `pattern position ${position}: ${message}` });
  }

  observation(e: ObservationExpression): void {
    switch (e.type) {
      case 'observation':
        if (isComparisonBoolean(e.comparison)) this.observationTypes(e.comparison);
        this.comparison(e.comparison);
        return;
      case 'group':
        this.observation(e.expression);
        return;
      case 'qualified':
        this.qualifiers(e.qualifiers, e.expression.type === 'observation');
        this.observation(e.expression);
        return;
      default:
        for (const o of e.operands) this.observation(o);
    }
  }

  private qualifiers(qs: readonly Qualifier[], direct: boolean): void {
    const seen = new Set<string>();
    for (const q of qs) {
      const name = q.type === 'start-stop' ? 'STARTSTOP' : q.type.toUpperCase();
      if (direct && seen.has(name))
        this.err(
          'pattern-duplicate-qualifier',
          q.position,
          `duplicate qualifier type ${name}: an observation expression may carry each qualifier once`,
        );
      seen.add(name);
      if (q.type === 'repeats' && !(q.times >= 1))
        this.err('pattern-qualifier-range', q.position, 'REPEATS needs a positive number of times');
      if (q.type === 'within' && !(q.seconds > 0))
        this.err('pattern-qualifier-range', q.position, 'WITHIN needs a positive number of seconds');
      if (q.type === 'start-stop') {
        this.timestamp(q.start, q.position);
        this.timestamp(q.stop, q.position);
        if (compareTimestamps(q.start, q.stop) >= 0)
          this.err(
            'pattern-qualifier-range',
            q.position,
            `START ${q.start} must be earlier than STOP ${q.stop}`,
          );
      }
    }
  }

  private timestamp(t: string, position: number): void {
    if (checkTimestamp(t) === 'calendar')
      this.warn('pattern-timestamp', position, `timestamp ${t} names a day that does not exist`);
  }

  /** Object types joined by AND inside one [...] must be the same: returns the types of `c`. */
  private observationTypes(c: ComparisonExpression): ReadonlySet<string> {
    switch (c.type) {
      case 'comparison':
      case 'exists':
        return new Set([c.path.objectType]);
      case 'comparison-or': {
        const all = new Set<string>();
        for (const o of c.operands) for (const t of this.observationTypes(o)) all.add(t);
        return all;
      }
      default: {
        let acc: Set<string> | undefined;
        for (const o of c.operands) {
          const ts = this.observationTypes(o);
          if (acc && ts.size === 1 && acc.size === 1) {
            const [a] = acc;
            const [b] = ts;
            if (a !== b)
              this.warn(
                'pattern-mixed-types',
                firstPosition(o),
                `comparisons on ${a} and ${b} are joined by AND inside one observation; the spec requires OR, so this cannot match one object`,
              );
          }
          acc = acc ? new Set([...acc, ...ts]) : new Set(ts);
        }
        return acc ?? new Set();
      }
    }
  }

  private comparison(c: ComparisonExpression): void {
    if (isComparisonBoolean(c)) {
      for (const o of c.operands) this.comparison(o);
      return;
    }
    this.objectPath(c.path);
    if (c.type === 'exists') return;
    const values: readonly Literal[] = Array.isArray(c.value) ? c.value : [c.value as Literal];
    for (const v of values) if (v.kind === 'timestamp') this.timestamp(v.value as string, v.position);
    // hash values (cti-pattern-validator): hashes.<ALG> compared with a string
    const steps = c.path.steps;
    const last = steps[steps.length - 1];
    const prev = steps[steps.length - 2];
    if (
      last?.kind === 'property' &&
      prev?.kind === 'property' &&
      prev.name === 'hashes' &&
      (c.operator === '=' || c.operator === '!=' || c.operator === 'IN')
    ) {
      const alg = normaliseHashName(last.name);
      if (HASH_HEX_LENGTHS.has(alg) || alg === 'SSDEEP') {
        for (const v of values) {
          if (v.kind === 'string' && !isValidHashValue(last.name, v.value as string))
            this.err(
              'pattern-hash',
              v.position,
              `'${clip(v.value as string)}' is not a valid ${last.name} hash`,
            );
        }
      }
    }
    if (c.operator === 'ISSUBSET' || c.operator === 'ISSUPERSET') {
      const t = c.path.objectType;
      if (t !== 'ipv4-addr' && t !== 'ipv6-addr' && !isRefValue(c.path))
        this.warn(
          'pattern-cidr',
          c.position,
          `${c.operator} compares IP address ranges; ${t} is not an address type`,
        );
    }
  }

  private objectPath(p: ObjectPath): void {
    const t = p.objectType;
    const props = knownProperties(t);
    if (!props) {
      if (!CUSTOM_TYPE.test(t) || t.includes('--'))
        this.warn(
          'pattern-object-type',
          p.position,
          `'${clip(t)}' is not a STIX object type, and custom type names use only a-z, 0-9 and '-' (3-250 characters)`,
        );
      else if (!SCO_TYPES.has(t) && !t.startsWith('x-'))
        this.warn('pattern-object-type', p.position, `'${clip(t)}' is not a STIX 2.1 cyber-observable type`);
      return;
    }
    const first = p.steps[0];
    if (first?.kind === 'property' && !props.has(first.name)) {
      if (!PROPERTY_NAME.test(first.name))
        this.warn('pattern-property', p.position, `'${clip(first.name)}' is not a valid property name`);
      else if (!first.name.startsWith('x_'))
        this.warn('pattern-property', p.position, `${t} has no property '${clip(first.name)}'`);
    }
  }
}

function isRefValue(p: ObjectPath): boolean {
  const s = p.steps;
  return (
    s.length >= 2 &&
    s[s.length - 1]?.kind === 'property' &&
    (s[s.length - 1] as { name: string }).name === 'value'
  );
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
