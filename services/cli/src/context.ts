import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

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

/** A small client for the hub's HTTP API; every non-2xx answer becomes a CliError naming the problem. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly authorization: string | undefined,
  ) {}

  get hasCredentials(): boolean {
    return this.authorization !== undefined;
  }

  get credential(): string | undefined {
    return this.authorization?.replace(/^Bearer /, '');
  }

  async request<T>(
    method: string,
    urlPath: string,
    body?: unknown,
    opts: { contentType?: string; accept?: string } = {},
  ): Promise<T> {
    const headers: Record<string, string> = { accept: opts.accept ?? 'application/json' };
    if (this.authorization) headers['authorization'] = this.authorization;
    let payload: string | undefined;
    if (body !== undefined) {
      headers['content-type'] = opts.contentType ?? 'application/json';
      payload = typeof body === 'string' ? body : JSON.stringify(body);
    }
    let res: Response;
    try {
      res = await fetch(new URL(urlPath, this.baseUrl), { method, headers, body: payload });
    } catch (err) {
      throw new CliError(
        `cannot reach the hub at ${this.baseUrl}: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}`,
      );
    }
    const text = await res.text();
    let data: unknown = undefined;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = text;
      }
    }
    if (!res.ok) throw new CliError(`${res.status} ${describeError(data) ?? res.statusText}`);
    return data as T;
  }
}

function describeError(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null) return typeof data === 'string' ? data : undefined;
  const rest = data as {
    error?: { message?: string; details?: { path: string; message: string }[] };
    description?: string;
  };
  if (rest.error?.message) return rest.error.message;
  if (rest.description) return rest.description;
  return undefined;
}

export interface CliContext {
  readonly io: Io;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** --json given. */
  readonly json: boolean;
  readonly url: string;
  /** A client with the caller's credentials (ISAC_API_KEY, else the saved login token). */
  api(): Promise<ApiClient>;
  /** The exit code when the command returns normally (e.g. 1 when a validated file is invalid). */
  setExitCode(code: number): void;
  /** Prints `data` as JSON with --json, else `text` (or JSON when no text is given). */
  print(data: unknown, text?: string): void;
}
