import { Command, CommanderError } from 'commander';
import { ApiError, createApiClient } from '@isac/api';
import cliPackage from '../package.json' with { type: 'json' };
import {
  CliError,
  credentialsPath,
  loadCredentials,
  saveCredentials,
  type SavedCredentials,
  normaliseHubUrl,
  processIo,
  sameHub,
  type CliContext,
  type Io,
  type Session,
} from './context.js';
import { registerCommands } from './commands/index.js';
import { nodeHttpTransport } from './http-transport.js';

export const DEFAULT_HUB_URL = 'http://localhost:8080';

/**
 * Runs the CLI and returns the exit code: 0 success, 1 any error (message on stderr); `isac stix
 * validate` alone answers 2 for input that is not JSON, as its own contract says. With --json the
 * error is one JSON object on stderr: `{"error":{"code","message","status"?,"details"?,"errorId"?}}`.
 */
export async function main(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  io: Io = processIo,
): Promise<number> {
  const json = argv.includes('--json');
  let commanderMessage = '';
  const program = new Command('isac')
    .description('Command line for the ISAC sharing hub / 情報共有ハブのコマンドライン')
    .version(cliPackage.version, '-V, --version', 'print the CLI version / バージョンを表示')
    .option(
      '--url <url>',
      `hub URL (env ISAC_URL; default: the hub of the saved login, else ${DEFAULT_HUB_URL})`,
    )
    .option('--json', 'machine-readable output, errors as JSON on stderr too', false)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout(s),
      writeErr: (s) => io.stderr(s),
      outputError: (s, write) => {
        if (json) commanderMessage = s.replace(/^error: /, '').trim();
        else write(s);
      },
    });

  const file = credentialsPath(env);
  let session: Promise<Session> | undefined;
  let exitCode = 0;
  const ctx = (): CliContext => {
    const opts = program.opts<{ url?: string; json: boolean }>();
    const url = normaliseHubUrl(opts.url ?? env['ISAC_URL'] ?? DEFAULT_HUB_URL);
    const resolveSession = async (): Promise<Session> => {
      if (env['ISAC_API_KEY']) return { kind: 'api-key' };
      const saved = await loadCredentials(file);
      if (!saved || !sameHub(saved.url, url)) return { kind: 'none' };
      // Refresh the access token when it has expired or expires within a minute (ADR 0023).
      if (Date.parse(saved.expiresAt) > Date.now() + REFRESH_MARGIN_MS) return { kind: 'login', saved };
      const renewed = await refreshSaved(file, saved, url);
      if (renewed) return { kind: 'login', saved: renewed };
      return Date.parse(saved.expiresAt) > Date.now() ? { kind: 'login', saved } : { kind: 'expired', saved };
    };
    return {
      io,
      env,
      json: opts.json,
      url,
      session: () => (session ??= resolveSession()),
      api: async () => {
        const s = await (session ??= resolveSession());
        const credential =
          s.kind === 'api-key' ? env['ISAC_API_KEY'] : s.kind === 'login' ? s.saved.token : undefined;
        return createApiClient({ baseUrl: url, credential, transport: nodeHttpTransport });
      },
      setExitCode: (code) => {
        exitCode = code;
      },
      print: (data, text) =>
        io.stdout(opts.json || text === undefined ? JSON.stringify(data, null, 2) : text),
    };
  };
  registerCommands(program, ctx);

  const fail = (code: number, error: CliErrorBody): number => {
    io.stderr(json ? JSON.stringify({ error }) : `isac: ${describe(error)}`);
    return code;
  };
  try {
    // Without --url or ISAC_URL, the hub of the saved login (a session sticks to its hub).
    const saved =
      argv.some((a) => a === '--url' || a.startsWith('--url=')) || env['ISAC_URL']
        ? undefined
        : await loadCredentials(file);
    if (saved) program.setOptionValueWithSource('url', saved.url, 'config');
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return 0;
      return json ? fail(1, { code: 'usage', message: commanderMessage || err.message }) : 1;
    }
    if (err instanceof ApiError)
      return fail(1, apiErrorBody(err, await (session ?? Promise.resolve(undefined))));
    if (err instanceof CliError) return fail(err.exitCode, { code: err.code, message: err.message });
    return fail(1, { code: 'error', message: (err as Error).message });
  }
}

/** What the CLI reports about a failure, as text or (with --json) as JSON. */
export interface CliErrorBody {
  readonly code: string;
  readonly message: string;
  /** HTTP status of the hub's answer (absent when the hub was not asked or not reached). */
  readonly status?: number;
  /** Each bad field, by JSON pointer. */
  readonly details?: readonly {
    readonly path: string;
    readonly message: string;
    /** The values the field may take, when the hub names them. */
    readonly allowedValues?: readonly (string | null)[];
  }[];
  /** The hub's error id, also in its log line. */
  readonly errorId?: string;
}

const REFRESH_MARGIN_MS = 60_000;

/**
 * Exchanges the saved refresh token for new tokens and saves them (0600); undefined when there is
 * none or the hub refused it (then the saved session is expired and the user is told to log in).
 * A refused refresh token is dropped from the file: it can never work again.
 */
async function refreshSaved(
  file: string,
  saved: SavedCredentials,
  url: string,
): Promise<SavedCredentials | undefined> {
  if (!saved.refreshToken) return undefined;
  if (saved.refreshExpiresAt && Date.parse(saved.refreshExpiresAt) <= Date.now()) return undefined;
  try {
    const res = await createApiClient({ baseUrl: url, transport: nodeHttpTransport }).refresh({
      body: { refreshToken: saved.refreshToken },
    });
    const renewed: SavedCredentials = {
      ...saved,
      token: res.token,
      expiresAt: new Date(Date.now() + res.expiresIn * 1000).toISOString(),
      refreshToken: res.refreshToken,
      refreshExpiresAt: new Date(Date.now() + res.refreshExpiresIn * 1000).toISOString(),
    };
    await saveCredentials(file, renewed);
    return renewed;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      const { refreshToken: _dropped, refreshExpiresAt: _end, ...rest } = saved;
      await saveCredentials(file, rest);
    }
    return undefined;
  }
}

const LOGIN_HINT = 'run isac login (or set ISAC_API_KEY) / isac login を実行してください';

/** An ApiError as the CLI reports it; a 401 says why (expired session, no login) and what to run. */
function apiErrorBody(err: ApiError, session: Session | undefined): CliErrorBody {
  let message = err.message;
  let code: string = err.code;
  if (err.status === 401 && session !== undefined) {
    if (session.kind === 'expired' || session.kind === 'login') {
      code = 'session_expired';
      message = `session expired for ${session.saved.username} at ${session.saved.url}: run isac login / セッションの有効期限が切れました。isac login を実行してください`;
    } else if (session.kind === 'none') {
      code = 'not_logged_in';
      message = `not logged in: ${LOGIN_HINT}`;
    } else {
      message = `the hub refused ISAC_API_KEY (unknown, revoked or expired key) / API キーが拒否されました: ${err.message}`;
    }
  }
  const { details } = err;
  return {
    code,
    message,
    ...(err.status !== 0 ? { status: err.status } : {}),
    ...(details.length > 0
      ? {
          details: details.map((d) => ({
            path: d.path,
            message: d.message,
            ...(d.allowedValues ? { allowedValues: d.allowedValues } : {}),
          })),
        }
      : {}),
    ...(err.errorId !== undefined ? { errorId: err.errorId } : {}),
  };
}

/** `403 message`, then each bad field on its own line (no status when the hub was not reached). */
function describe(e: CliErrorBody): string {
  const bare = e.status === undefined || e.code === 'session_expired' || e.code === 'not_logged_in';
  const head = bare ? e.message : `${e.status} ${e.message}`;
  // A field the message already names (the hub's validation message lists them) is not repeated.
  const lines = (e.details ?? []).filter((d) => !e.message.includes(d.message));
  return [head, ...lines.map((d) => `  ${d.path || '/'}: ${d.message}`)].join('\n');
}
