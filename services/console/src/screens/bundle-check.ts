import type { BundleReport, StixRule } from '@isac/stix';

/** One problem the page found before sending, per object where it belongs to one. */
export interface BundleProblem {
  /** Position in `objects`; undefined for the text or the bundle itself. */
  readonly index: number | undefined;
  readonly id: string | undefined;
  /** JSON pointer inside the object (or the bundle), "" for the whole of it. */
  readonly path: string;
  /** The validator's rule (undefined: the text is not JSON). */
  readonly rule?: StixRule | undefined;
  /** The validator's sentence (English), or the JSON parser's. */
  readonly message: string;
}

export interface BundleCheck {
  /** The parsed bundle when it is JSON (even with problems), for the count. */
  readonly bundle: Record<string, unknown> | undefined;
  readonly objects: number;
  readonly problems: readonly BundleProblem[];
}

/**
 * Checks a pasted or uploaded bundle in the page with the validator the hub runs at ingest
 * (`validateBundle` of @isac/stix), loaded on first use so the rest of the console does not carry
 * it. The hub's answer stays the authority: this only spares a round trip and a half-accepted bundle.
 */
export async function checkBundle(text: string): Promise<BundleCheck> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return {
      bundle: undefined,
      objects: 0,
      problems: [{ index: undefined, id: undefined, path: '', message: (err as Error).message }],
    };
  }
  const { validateBundle } = await import('./stix-validator.js');
  const report: BundleReport = validateBundle(parsed);
  const problems: BundleProblem[] = report.bundleErrors.map((e) => ({
    index: undefined,
    id: undefined,
    path: e.path,
    rule: e.rule,
    message: e.message,
  }));
  for (const o of report.objects)
    for (const e of o.errors)
      problems.push({ index: o.index, id: o.id, path: e.path, rule: e.rule, message: e.message });
  const bundle =
    typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  const objects = Array.isArray(bundle?.['objects']) ? (bundle['objects'] as unknown[]).length : 0;
  return { bundle, objects, problems };
}
