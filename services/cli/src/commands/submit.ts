import type { Command } from 'commander';
import { indicatorSchema, type ApiRoutes, type RouteAnswer } from '@isac/api';
import { InvalidIocError, killChainPhaseOf, validUntilOf } from '@isac/stix';
import { CliError, oneOf, type CliContext } from '../context.js';
import { markingGroups, submitReport } from './submit-report.js';
import { parseTlp } from './tlp.js';

export function registerSubmit(program: Command, ctx: () => CliContext): void {
  program
    .command('submit')
    .description(
      'submit a STIX 2.1 bundle or object (FILE or - for stdin), or one IOC with --ioc / 脅威情報を提出',
    )
    .argument('[file]', 'STIX bundle file, or - for standard input')
    .option('--ioc <value>', 'a single indicator value (IP, domain, URL, email, hash)')
    .option('--kind <kind>', 'kind of --ioc: ipv4, ipv6, domain, url, email, md5, sha1, sha256, sha512')
    .option(
      '--tlp <tlp>',
      'TLP for --ioc, or the default for unmarked objects: clear, green, amber, amber+strict, red (any case, TLP: prefix allowed; white = clear)',
    )
    .option('--name <name>', 'indicator name for --ioc')
    .option('--confidence <n>', 'confidence of --ioc, a whole number 0-100')
    .option(
      '--valid-until <time>',
      'end of validity of --ioc: a timestamp (2024-01-15T12:30:45Z) or a duration from now (90m, 12h, 30d, 2w)',
    )
    .option('--label <label>', 'a label of --ioc (repeatable)', collect, [])
    .option(
      '--kill-chain <phase>',
      'a kill-chain phase of --ioc (repeatable): PHASE of the lockheed-martin-cyber-kill-chain, or CHAIN:PHASE',
      collect,
      [],
    )
    .option('--named-recipient <org...>', 'named recipient organisations (RED, narrowed AMBER)')
    .option('--named', 'be named to recipients instead of anonymous', false)
    .option(
      '--exercise <id>',
      'an exercise (drill) submission: the id of the running exercise it belongs to (isac admin exercise list) / 演習ID',
    )
    .action(
      async (
        file: string | undefined,
        o: {
          ioc?: string;
          kind?: string;
          tlp?: string;
          name?: string;
          confidence?: string;
          validUntil?: string;
          label: string[];
          killChain: string[];
          namedRecipient?: string[];
          named: boolean;
          exercise?: string;
        },
      ) => {
        const c = ctx();
        const api = await c.api();
        const common = {
          named: o.named,
          exercise: o.exercise ?? false,
          ...(o.namedRecipient ? { namedRecipients: o.namedRecipient } : {}),
        };
        const tlp = o.tlp === undefined ? undefined : parseTlp(o.tlp);
        let status: RouteAnswer<ApiRoutes['submitBundle']>;
        let groups = new Map<string, string>();
        const properties = iocProperties(o);
        if (o.ioc === undefined && Object.keys(properties).length > 0)
          throw new CliError(
            '--confidence, --valid-until, --label and --kill-chain describe an --ioc; a FILE carries its own',
          );
        if (o.ioc !== undefined) {
          if (file !== undefined) throw new CliError('give either a FILE or --ioc, not both');
          if (!o.kind) throw new CliError('--kind is required with --ioc');
          status = await api.submitIndicator({
            body: {
              ...common,
              kind: oneOf(o.kind, indicatorSchema.properties.kind.enum, '--kind'),
              value: o.ioc,
              tlp: tlp?.tlp ?? 'amber',
              ...(o.name !== undefined ? { name: o.name } : {}),
              ...properties,
            },
          });
        } else {
          if (file === undefined) throw new CliError('a FILE (or - for standard input) or --ioc is required');
          const text = await c.io.readInput(file);
          let bundle: unknown;
          try {
            bundle = JSON.parse(text);
          } catch (err) {
            throw new CliError(`${file} is not JSON: ${(err as Error).message}`);
          }
          bundle = asBundle(bundle, file);
          groups = markingGroups(bundle as Record<string, unknown>);
          status = await api.submitBundle({
            body: {
              ...common,
              bundle: bundle as Record<string, unknown>,
              ...(tlp !== undefined ? { defaultTlp: tlp.tlp } : {}),
            },
          });
        }
        const report = await submitReport(api, status, groups, tlp?.note);
        c.print({ ...status, distribution: report.explained }, report.text);
        if (status.failure_count > 0) c.setExitCode(1);
      },
    );
}

const collect = (v: string, acc: string[]): string[] => [...acc, v];

/**
 * The indicator properties the --ioc options give, checked here so the error names the option
 * (the hub checks them again, naming the JSON field). A relative --valid-until is sent as written:
 * the hub's clock resolves it.
 */
function iocProperties(o: {
  confidence?: string;
  validUntil?: string;
  label: string[];
  killChain: string[];
}): { confidence?: number; validUntil?: string; labels?: string[]; killChainPhases?: string[] } {
  const out: ReturnType<typeof iocProperties> = {};
  if (o.confidence !== undefined) {
    const n = Number(o.confidence);
    if (o.confidence.trim() === '' || !Number.isInteger(n) || n < 0 || n > 100)
      throw new CliError(`--confidence must be a whole number 0-100 (got '${o.confidence}')`);
    out.confidence = n;
  }
  try {
    if (o.validUntil !== undefined) {
      validUntilOf(o.validUntil, new Date(), '--valid-until');
      out.validUntil = o.validUntil.trim();
    }
    for (const k of o.killChain) killChainPhaseOf(k, '--kill-chain');
  } catch (err) {
    if (err instanceof InvalidIocError) throw new CliError(err.message);
    throw err;
  }
  if (o.killChain.length > 0) out.killChainPhases = o.killChain.map((k) => k.trim());
  if (o.label.some((l) => l.trim() === '')) throw new CliError('--label must not be empty');
  if (o.label.length > 0) out.labels = [...new Set(o.label.map((l) => l.trim()))];
  return out;
}

/**
 * The bundle to submit from what the file holds, as `isac stix validate` reads it: a bundle as is,
 * a single STIX object or a JSON list of objects wrapped in a new bundle.
 */
function asBundle(input: unknown, file: string): Record<string, unknown> {
  const wrap = (objects: unknown[]): Record<string, unknown> => ({
    type: 'bundle',
    id: `bundle--${crypto.randomUUID()}`,
    objects,
  });
  if (Array.isArray(input)) return wrap(input);
  if (typeof input !== 'object' || input === null)
    throw new CliError(`${file} is not a STIX bundle or object (a JSON object or list of objects)`);
  const o = input as Record<string, unknown>;
  if (o['type'] === 'bundle') return o;
  if (typeof o['type'] === 'string' && typeof o['id'] === 'string') return wrap([o]);
  throw new CliError(`${file} is neither a STIX bundle nor a STIX object (it has no type and id)`);
}
