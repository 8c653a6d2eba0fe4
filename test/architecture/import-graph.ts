/**
 * The repository's import graph, read with the TypeScript compiler's own pre-processor (no
 * dependency of ours): every `import`, `export … from` and `import()` of every source file, with
 * relative specifiers and the workspaces' `@isac/*` names resolved to files. Type-only imports
 * count too: a circle of types is still a circle a reader has to untangle.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export const SOURCE_ROOTS = ['libs', 'services', 'test', 'bench', 'scripts'] as const;
// dist: build output (services/cli/dist, the bundled CLI; services/console/dist, the console), not source
const SKIP_DIRS = new Set(['node_modules', 'dist', 'results', 'var', '.git']);

/** Every .ts/.js source under the roots (repository-relative, '/' separators). */
export function sourceFiles(repo: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(path.join(repo, dir))) {
      if (SKIP_DIRS.has(name)) continue;
      const rel = `${dir}/${name}`;
      if (statSync(path.join(repo, rel)).isDirectory()) walk(rel);
      else if (/\.(tsx?|js)$/.test(name) && !name.endsWith('.d.ts')) out.push(rel);
    }
  };
  for (const root of SOURCE_ROOTS) if (existsSync(path.join(repo, root))) walk(root);
  return out.sort();
}

/** `@isac/<x>` -> the file its package.json exports as '.', for every workspace. */
export function workspaceEntries(repo: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const group of ['libs', 'services']) {
    for (const dir of readdirSync(path.join(repo, group))) {
      const manifest = path.join(repo, group, dir, 'package.json');
      if (!existsSync(manifest)) continue;
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as {
        name: string;
        exports?: Record<string, string>;
      };
      const entry = pkg.exports?.['.'];
      if (entry) out.set(pkg.name, path.posix.join(group, dir, entry));
    }
  }
  return out;
}

function resolveRelative(repo: string, from: string, spec: string): string | undefined {
  const base = path.posix.join(path.posix.dirname(from), spec);
  const candidates = [
    base,
    base.replace(/\.js$/, '.ts'),
    base.replace(/\.js$/, '.tsx'),
    `${base}.ts`,
    `${base}/index.ts`,
  ];
  return candidates.find((c) => existsSync(path.join(repo, c)) && statSync(path.join(repo, c)).isFile());
}

/** file -> the repository files it imports (third-party and node: modules left out). */
export function importGraph(repo: string): Map<string, string[]> {
  const entries = workspaceEntries(repo);
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(repo)) {
    const info = ts.preProcessFile(readFileSync(path.join(repo, file), 'utf8'), true, true);
    const targets = new Set<string>();
    for (const { fileName: spec } of info.importedFiles) {
      const target = spec.startsWith('.') ? resolveRelative(repo, file, spec) : entries.get(spec);
      if (target !== undefined) targets.add(target);
    }
    graph.set(file, [...targets].sort());
  }
  return graph;
}

/**
 * The circles of a directed graph: one path per strongly connected component with more than one
 * node (or a node importing itself), written `a -> b -> … -> a` (Tarjan's algorithm).
 */
export function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) components.push(component);
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return components.map((c) => describeCycle(graph, new Set(c)));
}

/** One circle through a component, found by walking edges that stay inside it. */
function describeCycle(graph: ReadonlyMap<string, readonly string[]>, members: ReadonlySet<string>): string {
  const start = [...members].sort()[0]!;
  const pathTo = new Map<string, string[]>([[start, [start]]]);
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of graph.get(v) ?? []) {
      if (w === start) return [...pathTo.get(v)!, start].join(' -> ');
      if (members.has(w) && !pathTo.has(w)) {
        pathTo.set(w, [...pathTo.get(v)!, w]);
        queue.push(w);
      }
    }
  }
  return [...members].join(', ');
}
