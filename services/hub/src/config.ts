import {
  BASE_ENV_ALIASES,
  adminConfigSchema,
  baseConfigProperties,
  loadServiceConfig,
  policyConfigSchema,
  blocklistConfigSchema,
  type ServiceConfig,
} from '@isac/config';
import { membershipConfigSchema } from '@isac/membership-service';
import { taxiiConfigSchema } from '@isac/taxii-service';
import { dispatcherConfigSchema } from '@isac/dispatcher-service';
import { feedsConfigSchema } from '@isac/feeds-service';

const port = { type: 'integer', minimum: 0, maximum: 65535 } as const;

/** The one-process hub's own sections, beyond the base every process has (libs/config). */
const hubSlices = {
  mqtt: {
    type: 'object',
    additionalProperties: false,
    default: {},
    properties: {
      host: { type: 'string', default: '0.0.0.0' },
      port: { ...port, default: 1883 },
      /** The plain MQTT listener on `port`; false switches it off (needs `tls`, ADR 0037). */
      plain: { type: 'boolean', default: true },
      /** MQTT over TLS on the embedded broker, when `tls` is configured. */
      tlsPort: { ...port, default: 8883 },
      /**
       * PEM file of the CA(s) whose client certificates the TLS listener requires: a client
       * without a valid one is refused; the username and password are still checked (ADR 0037).
       */
      clientCaFile: { type: 'string', minLength: 1 },
      publicUrl: { type: 'string' },
      embedded: { type: 'boolean', default: true },
      url: { type: 'string', description: 'external broker URL when embedded is false' },
    },
  },
  admin: adminConfigSchema,
  policy: policyConfigSchema,
  membership: { ...membershipConfigSchema, default: {} },
  taxii: { ...taxiiConfigSchema, default: {} },
  dispatcher: { ...dispatcherConfigSchema, default: {} },
  feeds: { ...feedsConfigSchema, default: {} },
  blocklist: blocklistConfigSchema,
} as const;

/** The one-process hub's configuration: the base sections and every service's slice. */
export type HubConfig = ServiceConfig<typeof hubSlices>;

export const hubConfigSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { ...baseConfigProperties, ...hubSlices },
} as const;

/** Short environment names for the settings people change most (README). */
export const ENV_ALIASES: Readonly<Record<string, string>> = {
  ...BASE_ENV_ALIASES,
  ISAC_MQTT_PORT: 'mqtt.port',
  ISAC_MQTT_HOST: 'mqtt.host',
  ISAC_MQTT_PLAIN: 'mqtt.plain',
  ISAC_MQTT_TLS_PORT: 'mqtt.tlsPort',
  ISAC_MQTT_CLIENT_CA_FILE: 'mqtt.clientCaFile',
  ISAC_ADMIN_PASSWORD: 'admin.password',
  ISAC_SMTP_URL: 'dispatcher.smtp.url',
  ISAC_MQTT_CA_FILE: 'dispatcher.mqtt.caFile',
  ISAC_PUBLIC_URL: 'dispatcher.mail.publicUrl',
};

/** config/default.json < config/<NODE_ENV>.json < environment < overrides; throws ConfigError naming every bad key. */
export function loadHubConfig(opts: {
  configDir: string;
  env: Readonly<Record<string, string | undefined>>;
  overrides?: unknown;
}): HubConfig {
  return loadServiceConfig<HubConfig>({
    configDir: opts.configDir,
    env: opts.env,
    slices: hubSlices,
    aliases: ENV_ALIASES,
    overrides: opts.overrides,
    // the hub has every section: nothing in the shared files belongs to another process
    foreignSections: [],
  });
}
