// Builds the `isac` CLI into services/cli/dist: one ES module bundle with the workspace libs
// (@isac/*) compiled in, npm packages left as imports, and the lazily imported modules (mqtt,
// openpgp, the STIX validator) left out of start-up so `isac --help` loads none of them. Runs at `npm ci`
// (root `prepare`) and before `npm test`; dist/build-info.json records the sources it was built
// from, which test/cli/build-fresh.test.ts compares with the working tree.
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const cliDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const root = path.resolve(cliDir, '../..');
const outdir = path.join(cliDir, 'dist');
interface Manifest {
  version: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}
const readManifest = (dir: string) =>
  JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest;
const rootPkg = readManifest(root);
const cliPkg = readManifest(cliDir);

/**
 * Modules the CLI imports lazily (`await import('./x.js')`) get their own bundle, so start-up never
 * parses them: esbuild's code splitting shares chunks by file, which would pull the STIX library
 * into start-up through the few constants the API schemas take from it.
 */
const LAZY: Record<string, string> = {
  'stix-validate': path.join(cliDir, 'src/commands/stix-validate.ts'),
  'recover-run': path.join(cliDir, 'src/commands/recover-run.ts'),
  'backup-run': path.join(cliDir, 'src/commands/backup-run.ts'),
};
const lazyExternal: Plugin = {
  name: 'lazy-entries',
  setup(b) {
    b.onResolve({ filter: /^\.\/[\w-]+\.js$/ }, (args) => {
      const name = path.basename(args.path, '.js');
      return args.kind === 'dynamic-import' && name in LAZY
        ? { path: `./${name}.js`, external: true }
        : undefined;
    });
  },
};

rmSync(outdir, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { isac: path.join(cliDir, 'src/bin.ts'), ...LAZY },
  outdir,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  metafile: true,
  logLevel: 'warning',
  plugins: [lazyExternal],
  // npm packages stay imports (resolved from node_modules at run time); workspace libs are bundled.
  external: [...Object.keys(rootPkg.dependencies ?? {}), ...Object.keys(rootPkg.devDependencies ?? {})],
  define: { ISAC_CLI_VERSION: JSON.stringify(cliPkg.version) },
});

const inputs = Object.keys(result.metafile.inputs)
  .filter((f) => !f.includes('node_modules'))
  .sort();
const sources = Object.fromEntries(
  inputs.map((f) => [
    f,
    createHash('sha256')
      .update(readFileSync(path.join(root, f)))
      .digest('hex'),
  ]),
);
// what `isac --help` parses at start-up: the start bundle's own inputs (test/cli/build-fresh.test.ts
// keeps the store, the policy's data and the region tables out of it)
const startBundle = Object.entries(result.metafile.outputs).find(([, o]) =>
  o.entryPoint?.endsWith('src/bin.ts'),
);
const startup = Object.keys(startBundle?.[1].inputs ?? {})
  .filter((f) => !f.includes('node_modules'))
  .sort();
writeFileSync(path.join(outdir, 'build-info.json'), `${JSON.stringify({ sources, startup }, null, 2)}\n`);
