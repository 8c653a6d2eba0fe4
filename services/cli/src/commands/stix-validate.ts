import { validateBundle, validateObject } from '@isac/stix';
import type { ObjectReport, StixIssue } from '@isac/stix';

export interface StixValidateIo {
  readInput(file: string): Promise<string>;
  stdout(s: string): void;
  stderr(s: string): void;
}

/** One entry of `isac stix validate --json`. Bundle-level problems come as an entry with index -1. */
export interface StixValidateEntry {
  index: number;
  id: string | undefined;
  type: string | undefined;
  valid: boolean;
  errors: StixIssue[];
  warnings: StixIssue[];
}

/**
 * `isac stix validate FILE|-`: validates a bundle, a single STIX object, or a JSON list of objects
 * offline. Exit code 0 when everything is valid, 1 when anything is invalid, 2 when the input
 * cannot be read or is not JSON.
 */
export async function stixValidate(
  args: { file: string; json: boolean },
  io: StixValidateIo,
): Promise<number> {
  let text: string;
  try {
    text = await io.readInput(args.file);
  } catch (err) {
    io.stderr(`cannot read ${args.file}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (err) {
    io.stderr(
      `${args.file === '-' ? 'standard input' : args.file} is not JSON: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    return 2;
  }
  const entries = validateInput(input);
  const valid = entries.every((e) => e.valid);
  if (args.json) io.stdout(`${JSON.stringify(entries.map(toJson), null, 2)}\n`);
  else io.stdout(textReport(entries));
  return valid ? 0 : 1;
}

function toJson(e: StixValidateEntry): Record<string, unknown> {
  return {
    index: e.index,
    id: e.id ?? null,
    type: e.type ?? null,
    valid: e.valid,
    errors: e.errors,
    warnings: e.warnings,
  };
}

export function validateInput(input: unknown): StixValidateEntry[] {
  if (Array.isArray(input)) return input.map((o, i) => validateObject(o, i));
  if (
    typeof input === 'object' &&
    input !== null &&
    (input as Record<string, unknown>)['type'] === 'bundle'
  ) {
    const b = validateBundle(input);
    const out: StixValidateEntry[] = [];
    if (b.bundleErrors.length > 0 || b.bundleWarnings.length > 0) {
      const id = (input as Record<string, unknown>)['id'];
      out.push({
        index: -1,
        id: typeof id === 'string' ? id : undefined,
        type: 'bundle',
        valid: b.bundleErrors.length === 0,
        errors: b.bundleErrors,
        warnings: b.bundleWarnings,
      });
    }
    out.push(...b.objects);
    return out;
  }
  return [validateObject(input, 0)];
}

function label(e: ObjectReport | StixValidateEntry): string {
  const where = e.index < 0 ? 'bundle' : `object ${e.index}`;
  return `${where} ${e.type ?? '(no type)'} ${e.id ?? '(no id)'}`;
}

function textReport(entries: StixValidateEntry[]): string {
  const lines: string[] = [];
  let invalid = 0;
  let warnings = 0;
  let objects = 0;
  for (const e of entries) {
    if (e.index >= 0) objects++;
    if (!e.valid) invalid++;
    warnings += e.warnings.length;
    if (e.valid && e.warnings.length === 0) continue;
    lines.push(`${e.valid ? 'OK     ' : 'INVALID'} ${label(e)}`);
    for (const i of e.errors) lines.push(`  error   ${i.path || '/'} [${i.rule}] ${i.message}`);
    for (const i of e.warnings) lines.push(`  warning ${i.path || '/'} [${i.rule}] ${i.message}`);
  }
  lines.push(
    invalid === 0
      ? `${objects} object(s) checked: all valid${warnings > 0 ? `, ${warnings} warning(s)` : ''}`
      : `${objects} object(s) checked: ${invalid} invalid, ${warnings} warning(s)`,
  );
  return `${lines.join('\n')}\n`;
}
