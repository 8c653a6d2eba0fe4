import { expect } from 'chai';
import { ConfigError, loadConfig } from './load-config.js';

const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['http', 'smtp'],
  properties: {
    http: {
      type: 'object',
      additionalProperties: false,
      properties: { port: { type: 'integer', minimum: 0, maximum: 65535, default: 8080 } },
      default: {},
    },
    smtp: {
      type: 'object',
      additionalProperties: false,
      properties: { host: { type: 'string' }, url: { type: 'string' } },
      default: {},
    },
  },
} as const;

describe('loadConfig', () => {
  it('layers files, then env (nested and aliased), then overrides', () => {
    const c = loadConfig<{ http: { port: number }; smtp: { host?: string; url?: string } }>(schema, {
      layers: [
        { name: 'default.json', values: { http: { port: 1 } } },
        { name: 'test.json', values: { http: { port: 2 } } },
      ],
      env: { ISAC_SMTP__HOST: 'mail.example', ISAC_HTTP_PORT: '9090', UNRELATED: 'x' },
      aliases: { ISAC_HTTP_PORT: 'http.port' },
    });
    expect(c.http.port).to.equal(9090);
    expect(c.smtp.host).to.equal('mail.example');
    expect(Object.isFrozen(c.http)).to.equal(true);
  });
  it('reads *_FILE secrets', () => {
    const c = loadConfig<{ http: { port: number }; smtp: { url?: string } }>(schema, {
      layers: [],
      env: { ISAC_SMTP_URL_FILE: '/run/secrets/smtp' },
      aliases: { ISAC_SMTP_URL: 'smtp.url' },
      readFile: (p) => (p === '/run/secrets/smtp' ? 'smtp://from-file\n' : ''),
    });
    expect(c.smtp.url).to.equal('smtp://from-file');
  });
  it('takes a variable whose own name is an alias ending in _FILE as a path, not as a secret file', () => {
    const read: string[] = [];
    const c = loadConfig<{ http: { port: number }; smtp: { host?: string; url?: string } }>(schema, {
      layers: [],
      env: { ISAC_SMTP_HOST_FILE: '/etc/isac/host.pem', ISAC_SMTP__URL_FILE: '/run/secrets/url' },
      aliases: { ISAC_SMTP_HOST_FILE: 'smtp.host' },
      readFile: (p) => {
        read.push(p);
        return 'smtp://secret';
      },
    });
    expect(c.smtp.host).to.equal('/etc/isac/host.pem');
    expect(c.smtp.url).to.equal('smtp://secret');
    expect(read).to.deep.equal(['/run/secrets/url']);
  });
  it('reports every bad setting at once, naming each', () => {
    try {
      loadConfig(schema, {
        layers: [{ name: 'd', values: { http: { port: 'eighty', colour: 1 } } }],
        env: { ISAC_SMTP__PORTT: '25' },
      });
      expect.fail('should have thrown');
    } catch (err) {
      expect(err).to.be.instanceOf(ConfigError);
      const keys = (err as ConfigError).problems.map((p) => p.key);
      expect(keys).to.include.members(['http.port', 'http.colour', 'ISAC_SMTP__PORTT']);
      expect((err as Error).message).to.match(/http\.port/);
    }
  });
  it('names a bad setting by the environment variable the user gave, and lists allowed values', () => {
    const run = (env: Record<string, string>): ConfigError => {
      try {
        loadConfig(
          {
            type: 'object',
            properties: {
              http: { type: 'object', properties: { port: { type: 'integer', maximum: 65535 } } },
              log: { type: 'object', properties: { level: { enum: ['info', 'debug'] } } },
            },
          },
          { layers: [], env, aliases: { ISAC_HTTP_PORT: 'http.port' } },
        );
      } catch (err) {
        if (err instanceof ConfigError) return err;
        throw err;
      }
      throw new Error('accepted');
    };
    const err = run({ ISAC_HTTP_PORT: '99999', ISAC_LOG__LEVEL: 'loud' });
    expect(err.problems).to.deep.include({
      key: 'ISAC_HTTP_PORT',
      message: 'must be <= 65535 (setting http.port)',
    });
    expect(err.problems).to.deep.include({
      key: 'ISAC_LOG__LEVEL',
      message: 'must be one of: info, debug (setting log.level)',
    });
    expect(err.message).to.not.match(/^ *- http\.port/m);
  });
  it('ignores __proto__ keys instead of polluting prototypes', () => {
    const c = loadConfig<Record<string, unknown>>(schema, {
      layers: [{ name: 'd', values: JSON.parse('{"__proto__": {"polluted": true}}') as unknown }],
    });
    expect(({} as Record<string, unknown>)['polluted']).to.equal(undefined);
    expect(c).to.not.have.property('polluted');
  });
});
