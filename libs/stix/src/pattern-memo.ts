import type { PatternAst } from './pattern.js';

/**
 * The AST validation made of an object's pattern, kept beside the object (a WeakMap: it goes with
 * the object) so that indexing it (ADR 0036) walks that AST instead of parsing the pattern again.
 * Pure memory, no I/O; an object whose pattern changed since is parsed afresh.
 */
const asts = new WeakMap<object, { readonly pattern: string; readonly ast: PatternAst }>();

export function rememberPatternAst(object: object, pattern: string, ast: PatternAst): void {
  asts.set(object, { pattern, ast });
}

/** The AST validation made of `pattern` for this object, if it made one. */
export function rememberedPatternAst(object: object, pattern: string): PatternAst | undefined {
  const m = asts.get(object);
  return m !== undefined && m.pattern === pattern ? m.ast : undefined;
}
