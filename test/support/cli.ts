import { spawn } from 'node:child_process';
import path from 'node:path';
import { main } from '../../services/cli/src/main.js';
import { ROOT } from './hub-process.js';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the `isac` CLI in this process with captured output. */
export async function isac(
  argv: string[],
  env: Record<string, string | undefined>,
  stdin = '',
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, env, {
    stdout: (s) => (stdout += s.endsWith('\n') ? s : `${s}\n`),
    stderr: (s) => (stderr += s.endsWith('\n') ? s : `${s}\n`),
    readInput: (file) =>
      file === '-'
        ? Promise.resolve(stdin)
        : import('node:fs/promises').then((fs) => fs.readFile(file, 'utf8')),
  });
  return { code, stdout, stderr };
}

/** Runs the installed `isac` bin (node_modules/.bin/isac) as a child process, as a user's shell would. */
export function isacBin(
  argv: string[],
  env: Record<string, string | undefined>,
  stdin?: string,
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(ROOT, 'node_modules/.bin/isac'), argv, {
      cwd: ROOT,
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    if (stdin !== undefined) child.stdin.end(stdin);
    else child.stdin.end();
  });
}
