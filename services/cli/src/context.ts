import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ApiClient } from '@isac/api';

/** An error the CLI reports on stderr with exit code `exitCode` (1 unless said otherwise). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** `value` when it is one of `allowed`; else a CliError naming the option and the choices. */
export function oneOf<const T extends string>(value: string, allowed: readonly T[], option: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new CliError(
    `${option} must be one of ${allowed.join(', ')} / 次のいずれかを指定してください (got ${value})`,
  );
}

export interface Io {
  stdout(s: string): void;
  stderr(s: string): void;
  /** Reads a file, or standard input for '-'. */
  readInput(file: string): Promise<string>;
}

export const processIo: Io = {
  stdout: (s) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`),
  stderr: (s) => process.stderr.write(s.endsWith('\n') ? s : `${s}\n`),
  readInput: async (file) => {
    if (file !== '-') return readFile(file, 'utf8');
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
};

/** Where `isac login` keeps its token: $ISAC_HOME or ~/.isac/credentials.json (mode 0600). */
export function credentialsPath(env: Readonly<Record<string, string | undefined>>): string {
  return path.join(env['ISAC_HOME'] ?? path.join(os.homedir(), '.isac'), 'credentials.json');
}

export interface SavedCredentials {
  readonly url: string;
  readonly token: string;
  readonly expiresAt: string;
  readonly username: string;
}

export async function saveCredentials(file: string, creds: SavedCredentials): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, JSON.stringify(creds, null, 2), { mode: 0o600 });
}

export async function loadCredentials(file: string): Promise<SavedCredentials | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as SavedCredentials;
  } catch {
    return undefined;
  }
}

export interface CliContext {
  readonly io: Io;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** --json given. */
  readonly json: boolean;
  readonly url: string;
  /**
   * The typed API client (libs/api) with the caller's credentials (ISAC_API_KEY, else the saved
   * login token, else none). Its failures are ApiErrors, which main() reports.
   */
  api(): Promise<ApiClient>;
  /** The exit code when the command returns normally (e.g. 1 when a validated file is invalid). */
  setExitCode(code: number): void;
  /** Prints `data` as JSON with --json, else `text` (or JSON when no text is given). */
  print(data: unknown, text?: string): void;
}
