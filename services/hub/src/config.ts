import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '@isac/config';
import { membershipConfigSchema, type MembershipConfig } from '@isac/membership-service';
import { taxiiConfigSchema, type TaxiiConfig } from '@isac/taxii-service';
import { dispatcherConfigSchema, type DispatcherConfig } from '@isac/dispatcher-service';

export interface HubConfig {
  readonly dataDir: string;
  readonly http: { readonly host: string; readonly port: number; readonly publicUrl?: string };
  readonly mqtt: { readonly host: string; readonly port: number; readonly publicUrl?: string; readonly embedded: boolean; readonly url?: string };
  readonly store: { readonly kind: 'sqlite' | 'mongo'; readonly sqlitePath?: string; readonly mongoUri?: string; readonly mongoDb?: string };
  readonly admin: { readonly password?: string };
  readonly hub: { readonly name: string };
  readonly log: { readonly level: string };
  readonly policy: Record<string, unknown>;
  readonly membership: MembershipConfig;
  readonly taxii: TaxiiConfig;
  readonly dispatcher: DispatcherConfig;
}

const port = { type: 'integer', minimum: 0, maximum: 65535 } as const;

export const hubConfigSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    dataDir: { type: 'string', minLength: 1, default: 'var' },
    http: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: { host: { type: 'string', default: '0.0.0.0' }, port: { ...port, default: 8080 }, publicUrl: { type: 'string', format: 'uri' } },
    },
    mqtt: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        host: { type: 'string', default: '0.0.0.0' },
        port: { ...port, default: 1883 },
        publicUrl: { type: 'string' },
        embedded: { type: 'boolean', default: true },
        url: { type: 'string', description: 'external broker URL when embedded is false' },
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
    admin: { type: 'object', additionalProperties: false, default: {}, properties: { password: { type: 'string', minLength: 12 } } },
    hub: { type: 'object', additionalProperties: false, default: {}, properties: { name: { type: 'string', minLength: 1, default: 'ISAC Sharing Hub' } } },
    log: { type: 'object', additionalProperties: false, default: {}, properties: { level: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info' } } },
    policy: { type: 'object', default: {} },
    membership: { ...membershipConfigSchema, default: {} },
    taxii: { ...taxiiConfigSchema, default: {} },
    dispatcher: { ...dispatcherConfigSchema, default: {} },
  },
} as const;

/** Short environment names for the settings people change most (README). */
export const ENV_ALIASES: Readonly<Record<string, string>> = {
  ISAC_HTTP_PORT: 'http.port',
  ISAC_HTTP_HOST: 'http.host',
  ISAC_MQTT_PORT: 'mqtt.port',
  ISAC_MQTT_HOST: 'mqtt.host',
  ISAC_DATA_DIR: 'dataDir',
  ISAC_ADMIN_PASSWORD: 'admin.password',
  ISAC_SMTP_URL: 'dispatcher.smtp.url',
  ISAC_LOG_LEVEL: 'log.level',
  MONGODB_URI: 'store.mongoUri',
};

function readJson(file: string): unknown {
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as unknown;
}

/** config/default.json < config/<NODE_ENV>.json < environment < overrides; throws ConfigError naming every bad key. */
export function loadHubConfig(opts: { configDir: string; env: Readonly<Record<string, string | undefined>>; overrides?: unknown }): HubConfig {
  const envName = opts.env['NODE_ENV'] ?? 'development';
  const layers = [
    { name: 'config/default.json', values: readJson(path.join(opts.configDir, 'default.json')) },
    { name: `config/${envName}.json`, values: readJson(path.join(opts.configDir, `${envName}.json`)) },
  ];
  const config = loadConfig<HubConfig>(hubConfigSchema, {
    layers,
    env: opts.env,
    aliases: ENV_ALIASES,
    readFile: (f) => readFileSync(f, 'utf8'),
    overrides: opts.overrides,
  });
  return config;
}
