import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { JSONSchema } from 'json-schema-to-ts';
import { ORG_ID_PATTERN } from '@isac/kernel';
import type { ConfigOf } from './config-of.js';
import { ConfigError, loadConfig } from './load-config.js';

const port = { type: 'integer', minimum: 0, maximum: 65535 } as const;

/** The settings every process of the hub has (the one-process hub and each service alone), with defaults. */
export const baseConfigProperties = {
  dataDir: { type: 'string', minLength: 1, default: 'var' },
  http: {
    type: 'object',
    additionalProperties: false,
    default: {},
    properties: {
      host: { type: 'string', default: '0.0.0.0' },
      port: { ...port, default: 8080 },
      /**
       * The plain HTTP listener on `port`; false switches it off (ISAC_HTTP_PLAIN), which needs
       * `tls` (ADR 0037).
       */
      plain: { type: 'boolean', default: true },
      /** The HTTPS listener's port, when `tls` is configured (ISAC_HTTPS_PORT). */
      tlsPort: { ...port, default: 8443 },
      publicUrl: { type: 'string', format: 'uri' },
      /**
       * Reverse proxies (IP addresses or CIDRs) whose X-Forwarded-For is believed for the client's
       * address (throttling, logs); none by default (ADR 0021).
       */
      trustProxy: { type: 'array', items: { type: 'string', minLength: 1 }, default: [] },
      /**
       * Who may read `/metrics` (ADR 0032): scrapers' addresses or CIDRs (default loopback only),
       * and/or a file holding a bearer token accepted from anywhere.
       */
      metrics: {
        type: 'object',
        additionalProperties: false,
        default: {},
        properties: {
          allow: {
            type: 'array',
            items: { type: 'string', minLength: 1 },
            default: ['127.0.0.0/8', '::1/128'],
          },
          tokenFile: { type: 'string', minLength: 1 },
        },
      },
    },
  },
  /**
   * The server certificate (PEM files, read at start): with certFile and keyFile set, HTTP is also
   * served over TLS on `http.tlsPort`, and the embedded broker takes MQTT over TLS on
   * `mqtt.tlsPort` (ADR 0037). caFile: intermediate certificates sent with the certificate.
   */
  tls: {
    type: 'object',
    additionalProperties: false,
    default: {},
    properties: {
      certFile: { type: 'string', minLength: 1 },
      keyFile: { type: 'string', minLength: 1 },
      caFile: { type: 'string', minLength: 1 },
    },
  },
  store: {
    type: 'object',
    additionalProperties: false,
    default: {},
    properties: {
      kind: { enum: ['sqlite', 'mongo'], default: 'sqlite' },
      sqlitePath: { type: 'string' },
      mongoUri: { type: 'string' },
      mongoDb: { type: 'string' },
    },
  },
  /**
   * The hub itself: its name (its STIX identity derives from it) and its own organisation, whose
   * hub-admin users and admin-scope API keys are the hub administrators (ADR 0009).
   */
  hub: {
    type: 'object',
    additionalProperties: false,
    default: {},
    properties: {
      name: { type: 'string', minLength: 1, default: 'ISAC Sharing Hub' },
      orgId: { type: 'string', pattern: ORG_ID_PATTERN.source, default: 'hub' },
    },
  },
  log: {
    type: 'object',
    additionalProperties: false,
    default: {},
    properties: {
      level: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info' },
    },
  },
  /**
   * Issuer and audience of access tokens, for the processes that only verify them (taxii,
   * dispatcher). When set they also win over `membership.tokens` in the issuing process, so one
   * setting (ISAC_TOKENS__ISSUER, ISAC_TOKENS__AUDIENCE) keeps separate processes in agreement.
   */
  tokens: {
    type: 'object',
    additionalProperties: false,
    default: {},
    properties: {
      issuer: { type: 'string', minLength: 1, maxLength: 200 },
      audience: { type: 'string', minLength: 1, maxLength: 200 },
    },
  },
} as const;

export const baseConfigSchema = {
  type: 'object',
  additionalProperties: false,
  properties: baseConfigProperties,
} as const;

export type BaseConfig = ConfigOf<typeof baseConfigSchema>;
export type LogLevel = BaseConfig['log']['level'];

/** A process's configuration: the base sections and its slices (`{ taxii: taxiiConfigSchema, … }`). */
export type ServiceConfig<Slices extends Readonly<Record<string, JSONSchema>>> = BaseConfig & {
  readonly [K in keyof Slices]: ConfigOf<Slices[K]>;
};

/** The distribution policy slice (validated by libs/policy's validatePolicyRules at start). */
export const policyConfigSchema = { type: 'object', default: {} } as const;

/** The first administrator's password (membership alone, and the one-process hub). */
export const adminConfigSchema = {
  type: 'object',
  additionalProperties: false,
  default: {},
  properties: { password: { type: 'string', minLength: 12 } },
} as const;

/** Short environment names every process understands (README). */
export const BASE_ENV_ALIASES: Readonly<Record<string, string>> = {
  ISAC_HTTP_PORT: 'http.port',
  ISAC_HTTP_HOST: 'http.host',
  ISAC_DATA_DIR: 'dataDir',
  ISAC_LOG_LEVEL: 'log.level',
  MONGODB_URI: 'store.mongoUri',
  // ADR 0032: who may scrape /metrics (a JSON array of addresses or CIDRs), and the token file
  ISAC_METRICS_ALLOW: 'http.metrics.allow',
  ISAC_METRICS_TOKEN_FILE: 'http.metrics.tokenFile',
  // ADR 0037: TLS from PEM files, and the plain listener switched off
  ISAC_TLS_CERT_FILE: 'tls.certFile',
  ISAC_TLS_KEY_FILE: 'tls.keyFile',
  ISAC_TLS_CA_FILE: 'tls.caFile',
  ISAC_HTTPS_PORT: 'http.tlsPort',
  ISAC_HTTP_PLAIN: 'http.plain',
};

/**
 * Top-level sections of the shared `config/` files and environment that belong to one process
 * only. A process that has no such section in its schema drops it instead of refusing to start,
 * so the hub and the separate services read the same files and the same ConfigMap.
 * Any other unknown key is still an error.
 */
export const PROCESS_SECTIONS: readonly string[] = [
  'mqtt',
  'admin',
  'membership',
  'taxii',
  'dispatcher',
  'feeds',
  'policy',
  'mqttPublisher',
  'blocklist',
];

export interface LoadServiceConfigOptions {
  /** Directory holding default.json and <NODE_ENV>.json. */
  readonly configDir: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** This process's sections beyond the base, e.g. `{ taxii: taxiiConfigSchema, policy: policyConfigSchema }`. */
  readonly slices?: Readonly<Record<string, Record<string, unknown>>>;
  /** Short env names beyond BASE_ENV_ALIASES. */
  readonly aliases?: Readonly<Record<string, string>>;
  /** Values below config/default.json: defaults that differ for this process (e.g. a shorter poll interval). */
  readonly defaults?: unknown;
  /** Applied last (tests). */
  readonly overrides?: unknown;
  /**
   * Sections dropped when this process's schema lacks them (default PROCESS_SECTIONS).
   * `[]` makes every unknown section an error (the one-process hub knows them all).
   */
  readonly foreignSections?: readonly string[];
}

function readJson(file: string): unknown {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (err) {
    throw new ConfigError([{ key: file, message: `is not valid JSON (${(err as Error).message})` }]);
  }
}

/** The schema of one process: the base sections, then its slices (each defaulting to `{}`). */
export function serviceConfigSchema(
  slices: Readonly<Record<string, Record<string, unknown>>> = {},
): Record<string, unknown> {
  const properties: Record<string, unknown> = { ...baseConfigProperties };
  for (const [name, schema] of Object.entries(slices))
    properties[name] = { ...schema, default: schema['default'] ?? {} };
  return { type: 'object', additionalProperties: false, properties };
}

/**
 * config/default.json < config/<NODE_ENV>.json < environment (aliases, ISAC_SECTION__KEY, *_FILE
 * secrets) < overrides, validated against the base schema plus `slices`; throws ConfigError
 * naming every bad key.
 */
export function loadServiceConfig<T extends BaseConfig>(opts: LoadServiceConfigOptions): T {
  const envName = opts.env['NODE_ENV'] ?? 'development';
  const schema = serviceConfigSchema(opts.slices);
  const known = new Set(Object.keys(schema['properties'] as Record<string, unknown>));
  const layers = [
    { name: '(process defaults)', values: opts.defaults },
    { name: 'config/default.json', values: readJson(path.join(opts.configDir, 'default.json')) },
    { name: `config/${envName}.json`, values: readJson(path.join(opts.configDir, `${envName}.json`)) },
  ];
  return loadConfig<T>(schema, {
    layers,
    env: opts.env,
    aliases: { ...BASE_ENV_ALIASES, ...opts.aliases },
    readFile: (f) => readFileSync(f, 'utf8'),
    overrides: opts.overrides,
    ignore: (opts.foreignSections ?? PROCESS_SECTIONS).filter((s) => !known.has(s)),
  });
}

/** Which store to open, in the shape `openStores` (@isac/store) takes. */
export type StoreSettings =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'mongo'; readonly uri: string; readonly db?: string };

/** MongoDB when a URI is configured (MONGODB_URI), otherwise SQLite at `store.sqlitePath` or `<dataDir>/hub.db`. */
export function storeSettings(config: Pick<BaseConfig, 'dataDir' | 'store'>): StoreSettings {
  if (config.store.mongoUri)
    return {
      kind: 'mongo',
      uri: config.store.mongoUri,
      ...(config.store.mongoDb ? { db: config.store.mongoDb } : {}),
    };
  return {
    kind: 'sqlite',
    path: config.store.sqlitePath ?? path.join(path.resolve(config.dataDir), 'hub.db'),
  };
}

/** For banners and logs: `SQLite <path>` or `MongoDB <uri without password>`. */
export function describeStore(s: StoreSettings): string {
  return s.kind === 'sqlite' ? `SQLite ${s.path}` : `MongoDB ${redactUri(s.uri)}`;
}

export function redactUri(uri: string): string {
  try {
    const u = new URL(uri);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URI)';
  }
}

/**
 * Issuer and audience of access tokens: the shared `tokens` section when set, else the issuing
 * service's own (`membership.tokens`), else 'isac-hub' (membership's default).
 */
export function tokenSettings(
  shared: BaseConfig['tokens'],
  own?: { readonly issuer: string; readonly audience: string; readonly ttlSeconds: number },
): { readonly issuer: string; readonly audience: string; readonly ttlSeconds: number } {
  return {
    issuer: shared.issuer ?? own?.issuer ?? 'isac-hub',
    audience: shared.audience ?? own?.audience ?? 'isac-hub',
    ttlSeconds: own?.ttlSeconds ?? 900,
  };
}
