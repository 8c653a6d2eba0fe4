import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CONSOLE_DIST } from './serve.js';

const CONSOLE = path.resolve(import.meta.dirname, '..');
const ROOT = path.resolve(CONSOLE, '../..');
/** What the bundle is made of: the console and the libraries it imports. */
const INPUTS = [
  path.join(CONSOLE, 'src'),
  path.join(CONSOLE, 'public'),
  path.join(CONSOLE, 'index.html'),
  path.join(CONSOLE, 'vite.config.ts'),
  path.join(CONSOLE, 'package.json'),
  path.join(ROOT, 'package-lock.json'),
  ...['api', 'kernel', 'stix'].map((lib) => path.join(ROOT, 'libs', lib, 'src')),
];
const STAMP = path.join(CONSOLE_DIST, '.built');

function newest(p: string): number {
  if (!existsSync(p)) return 0;
  const s = statSync(p);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(s.mtimeMs, ...readdirSync(p).map((name) => newest(path.join(p, name))));
}

/** True when dist/ is missing or older than any input. */
export function consoleIsStale(): boolean {
  return !existsSync(STAMP) || statSync(STAMP).mtimeMs < Math.max(...INPUTS.map(newest));
}

/** Builds the console with Vite when it is stale; answers whether it built. */
export async function buildConsole(opts: { readonly force?: boolean } = {}): Promise<boolean> {
  if (!opts.force && !consoleIsStale()) return false;
  const { build } = await import('vite');
  await build({ configFile: path.join(CONSOLE, 'vite.config.ts'), logLevel: 'warn' });
  writeFileSync(STAMP, `${new Date().toISOString()}\n`);
  return true;
}
