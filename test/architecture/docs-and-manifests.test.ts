import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const REPO_DIRS = /^(libs|services|test|bench|docs|config|deploy)\//;
/** `<name>` and `{name}` stand for any one path segment. */
const PLACEHOLDER = /<[^>]+>|\{[^}]+\}/;

/** Every repository path written in backticks in a Markdown file (`libs/…`, `services/…`, …). */
function documentedPaths(markdown: string): string[] {
  const out = new Set<string>();
  for (const [, code] of markdown.matchAll(/`([^`\n]+)`/g))
    for (const token of code!.split(/\s+/))
      if (REPO_DIRS.test(token)) out.add(token.replace(/[.,;:)]+$/, ''));
  return [...out];
}

/**
 * Whether a documented path is real: a plain path must exist; in a pattern
 * (`config/<NODE_ENV>.json`), the directory before the first placeholder must, since what it
 * stands for may be generated (bench results) or chosen by the user.
 */
function isReal(p: string): boolean {
  const segments = p.split('/');
  const fixed = segments.findIndex((s) => PLACEHOLDER.test(s));
  return existsSync(path.join(REPO, ...(fixed === -1 ? segments : segments.slice(0, fixed))));
}

const DOCS = [
  'README.md',
  'docs/ARCHITECTURE.md',
  'docs/glossary.md',
  ...readdirSync(path.join(REPO, 'docs/adr')).map((f) => `docs/adr/${f}`),
  ...['libs', 'services'].flatMap((group) =>
    readdirSync(path.join(REPO, group))
      .map((dir) => `${group}/${dir}/README.md`)
      .filter((f) => existsSync(path.join(REPO, f))),
  ),
];

describe('docs and manifests are true to the tree', () => {
  it('finds the paths a page names', () => {
    expect(
      documentedPaths(
        'see `libs/a/b.ts` -> `startHub()` in `services/x/y.ts`, and `node --import tsx bench/run.ts`.',
      ),
    ).to.deep.equal(['libs/a/b.ts', 'services/x/y.ts', 'bench/run.ts']);
  });

  it('names in docs/ARCHITECTURE.md the exemplar files and entry points', () => {
    const paths = documentedPaths(readFileSync(path.join(REPO, 'docs/ARCHITECTURE.md'), 'utf8'));
    expect(paths).to.include.members(['services/hub/src/main.ts', 'libs/policy/src/engine.ts']);
  });

  for (const doc of DOCS)
    it(`names only paths that exist in ${doc}`, () => {
      const paths = documentedPaths(readFileSync(path.join(REPO, doc), 'utf8'));
      expect(paths.filter((p) => !isReal(p))).to.deep.equal([]);
    });

  it('points every workspace manifest (exports, bin) at files that exist', () => {
    const missing: string[] = [];
    for (const group of ['libs', 'services'])
      for (const dir of readdirSync(path.join(REPO, group))) {
        const manifest = path.join(group, dir, 'package.json');
        if (!existsSync(path.join(REPO, manifest))) continue;
        const pkg = JSON.parse(readFileSync(path.join(REPO, manifest), 'utf8')) as {
          exports?: Record<string, string>;
          bin?: Record<string, string>;
        };
        for (const target of [...Object.values(pkg.exports ?? {}), ...Object.values(pkg.bin ?? {})])
          if (!existsSync(path.join(REPO, group, dir, target))) missing.push(`${manifest}: ${target}`);
      }
    expect(missing).to.deep.equal([]);
  });

  it('runs the hub, the benchmarks and every deployed service with the same allocator tuning (ADR 0048)', () => {
    const read = (f: string) => readFileSync(path.join(REPO, f), 'utf8');
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    const settings = [
      ...['start', 'bench'].map((s) => ({ where: `package.json ${s}`, text: scripts[s] ?? '' })),
      { where: 'deploy/compose.yaml', text: read('deploy/compose.yaml') },
      { where: 'deploy/k8s/hub.yaml', text: read('deploy/k8s/hub.yaml') },
    ].flatMap(({ where, text }) => {
      const found = [...text.matchAll(/GLIBC_TUNABLES(?:=\$\{GLIBC_TUNABLES:-|: )([\w.=:]+)/g)].map(
        (m) => m[1],
      );
      return found.length === 0 ? [{ where, value: 'missing' }] : found.map((value) => ({ where, value }));
    });
    // compose: the shared service environment and the one-machine hub
    expect(settings.filter((s) => s.where === 'deploy/compose.yaml')).to.have.length(2);
    const adr = read('docs/adr/0048-allocator-tuning.md');
    for (const s of settings) {
      expect(s.value, s.where).to.match(
        /^glibc\.malloc\.mmap_threshold=\d+:glibc\.malloc\.trim_threshold=\d+$/,
      );
      expect(adr, `${s.where} holds what the ADR records`).to.include(s.value!);
    }
    expect(new Set(settings.map((s) => s.value)).size).to.equal(1);
  });
});
