import { Command, CommanderError } from 'commander';
import { ApiError, createApiClient } from '@isac/api';
import {
  CliError,
  credentialsPath,
  loadCredentials,
  processIo,
  type CliContext,
  type Io,
} from './context.js';
import { registerCommands } from './commands/index.js';

/**
 * Runs the CLI and returns the exit code: 0 success, 1 any error (message on stderr); `isac stix
 * validate` alone answers 2 for input that is not JSON, as its own contract says.
 */
export async function main(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  io: Io = processIo,
): Promise<number> {
  const program = new Command('isac')
    .description('Command line for the ISAC sharing hub / 情報共有ハブのコマンドライン')
    .option('--url <url>', 'hub URL (env ISAC_URL)', env['ISAC_URL'] ?? 'http://localhost:8080')
    .option('--json', 'machine-readable output', false)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) });

  let exitCode = 0;
  const ctx = (): CliContext => {
    const opts = program.opts<{ url: string; json: boolean }>();
    return {
      io,
      env,
      json: opts.json,
      url: opts.url,
      api: async () => {
        const key = env['ISAC_API_KEY'];
        if (key) return createApiClient({ baseUrl: opts.url, credential: key });
        const saved = await loadCredentials(credentialsPath(env));
        if (saved && saved.url === opts.url && Date.parse(saved.expiresAt) > Date.now())
          return createApiClient({ baseUrl: opts.url, credential: saved.token });
        return createApiClient({ baseUrl: opts.url });
      },
      setExitCode: (code) => {
        exitCode = code;
      },
      print: (data, text) =>
        io.stdout(opts.json || text === undefined ? JSON.stringify(data, null, 2) : text),
    };
  };
  registerCommands(program, ctx);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? 0 : 1;
    }
    if (err instanceof ApiError) {
      io.stderr(`isac: ${describeApiError(err)}`);
      return 1;
    }
    if (err instanceof CliError) {
      io.stderr(`isac: ${err.message}`);
      return err.exitCode;
    }
    io.stderr(`isac: ${(err as Error).message}`);
    return 1;
  }
}

/** `403 message`, then each bad field on its own line (no status when the hub was not reached). */
export function describeApiError(err: ApiError): string {
  const head = err.status === 0 ? err.message : `${err.status} ${err.message}`;
  const fields = err.details.filter((d) => !err.message.includes(d.message));
  return [head, ...fields.map((d) => `  ${d.path || '/'}: ${d.message}`)].join('\n');
}
