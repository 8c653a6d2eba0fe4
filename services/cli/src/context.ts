import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ApiClient } from '@isac/api';

/** An error the CLI reports on stderr with exit code `exitCode` (1 unless said otherwise). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
    /** The `code` of the --json error object. */
    readonly code = 'invalid_usage',
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
  /**
   * A secret typed by the user: on a terminal, prompted for with the echo off; otherwise the first
   * line of standard input (`echo "$PW" | isac login --user alice`). Absent: no prompting.
   */
  readSecret?(prompt: string): Promise<string>;
  /** A line typed by the user (shown), or the first line of standard input when it is not a terminal. */
  readLine?(prompt: string): Promise<string>;
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
  readLine: async (prompt) => {
    const { stdin, stderr } = process;
    if (!stdin.isTTY) {
      const chunks: Buffer[] = [];
      for await (const c of stdin) chunks.push(c as Buffer);
      return (Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '').trim();
    }
    const { createInterface } = await import('node:readline/promises');
    const rl = createInterface({ input: stdin, output: stderr });
    try {
      return (await rl.question(prompt)).trim();
    } finally {
      rl.close();
    }
  },
  readSecret: async (prompt) => {
    const { stdin, stderr } = process;
    if (!stdin.isTTY) {
      const chunks: Buffer[] = [];
      for await (const c of stdin) chunks.push(c as Buffer);
      return (Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '').trim();
    }
    return new Promise((resolve, reject) => {
      let typed = '';
      stdin.setRawMode(true); // echo off before the prompt shows, so nothing typed after it is echoed
      stderr.write(prompt);
      stdin.resume();
      stdin.setEncoding('utf8');
      const done = (err?: Error): void => {
        stdin.setRawMode(false);
        stdin.pause();
        stdin.off('data', onData);
        stderr.write('\n');
        if (err) reject(err);
        else resolve(typed);
      };
      const onData = (chunk: string): void => {
        for (const ch of chunk) {
          if (ch === '\r' || ch === '\n' || ch === '\u0004') return done();
          if (ch === '\u0003') return done(new CliError('cancelled / 中断しました', 130));
          if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
          else typed += ch;
        }
      };
      stdin.on('data', onData);
    });
  },
};

/** Where `isac login` keeps the session: $ISAC_HOME or ~/.isac/credentials.json (mode 0600). */
export function credentialsPath(env: Readonly<Record<string, string | undefined>>): string {
  return path.join(env['ISAC_HOME'] ?? path.join(os.homedir(), '.isac'), 'credentials.json');
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The one spelling of a hub URL the CLI sends requests to and saves: scheme and host lower-cased,
 * default port dropped, no trailing slash, no query or fragment. Throws a CliError naming --url when
 * `raw` is not an http(s) URL.
 */
export function normaliseHubUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw.includes('://') ? raw : `http://${raw}`);
  } catch {
    throw new CliError(
      `--url must be an http(s) URL, e.g. http://localhost:8080 / URL が不正です (got ${raw})`,
    );
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new CliError(`--url must be an http(s) URL / http(s) の URL を指定してください (got ${raw})`);
  const pathname = u.pathname.replace(/\/+$/, '');
  return `${u.protocol}//${u.host}${pathname}`;
}

/**
 * Whether two hub URLs name the same hub for a saved session: equal once normalised, counting the
 * loopback names (localhost, 127.0.0.1, ::1) as one host.
 */
export function sameHub(a: string, b: string): boolean {
  const key = (raw: string): string => {
    const u = new URL(normaliseHubUrl(raw));
    if (LOOPBACK.has(u.hostname)) u.hostname = '127.0.0.1';
    return u.href.replace(/\/+$/, '');
  };
  return key(a) === key(b);
}

export interface SavedCredentials {
  /** The hub, normalised (normaliseHubUrl). */
  readonly url: string;
  readonly token: string;
  readonly expiresAt: string;
  /** ADR 0023: exchanged for a new access token (and a new refresh token) when the access token has expired or is about to. */
  readonly refreshToken?: string;
  readonly refreshExpiresAt?: string;
  readonly username: string;
  readonly orgId?: string;
}

export async function saveCredentials(file: string, creds: SavedCredentials): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, JSON.stringify(creds, null, 2), { mode: 0o600 });
  await chmod(file, 0o600); // writeFile's mode applies only when it creates the file
}

export async function loadCredentials(file: string): Promise<SavedCredentials | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as SavedCredentials;
  } catch {
    return undefined;
  }
}

/** Removes the saved session; true when there was one. */
export async function removeCredentials(file: string): Promise<boolean> {
  try {
    await rm(file);
    return true;
  } catch {
    return false;
  }
}

/** How the CLI authenticates this call. */
export type Session =
  | { readonly kind: 'api-key' }
  | { readonly kind: 'login'; readonly saved: SavedCredentials }
  | { readonly kind: 'expired'; readonly saved: SavedCredentials }
  | { readonly kind: 'none' };

export interface CliContext {
  readonly io: Io;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** --json given. */
  readonly json: boolean;
  /** The hub: --url, else ISAC_URL, else the saved session's hub, else http://localhost:8080 (normalised). */
  readonly url: string;
  /** How calls are authenticated (resolved once, on first use). */
  session(): Promise<Session>;
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
