import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from './load-config.js';
import { loadServiceConfig, storeSettings, tokenSettings, type BaseConfig } from './service-config.js';

const slice = {
  type: 'object',
  additionalProperties: false,
  properties: { pollMs: { type: 'integer', default: 1000 } },
};

function configDir(files: Record<string, unknown>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'isac-config-'));
  for (const [name, values] of Object.entries(files))
    writeFileSync(path.join(dir, name), JSON.stringify(values));
  return dir;
}

describe('loadServiceConfig', () => {
  it('merges process defaults < default.json < <NODE_ENV>.json < env, with the base aliases', () => {
    const dir = configDir({
      'default.json': { http: { port: 8080 }, worker: { pollMs: 500 } },
      'test.json': { log: { level: 'warn' } },
    });
    const c = loadServiceConfig<BaseConfig & { worker: { pollMs: number } }>({
      configDir: dir,
      env: {
        NODE_ENV: 'test',
        ISAC_HTTP_PORT: '9999',
        ISAC_DATA_DIR: '/data',
        MONGODB_URI: 'mongodb://m/isac',
      },
      slices: { worker: slice },
      defaults: { worker: { pollMs: 250 }, http: { port: 1 } },
    });
    expect(c.http.port).to.equal(9999);
    expect(c.worker.pollMs).to.equal(500);
    expect(c.log.level).to.equal('warn');
    expect(c.dataDir).to.equal('/data');
    expect(storeSettings(c)).to.deep.equal({ kind: 'mongo', uri: 'mongodb://m/isac' });
  });
  it('drops the sections of other processes from shared files and env, but not unknown ones', () => {
    const dir = configDir({
      'default.json': { mqtt: { port: 1883, embedded: true }, dispatcher: { smtp: {} } },
    });
    const c = loadServiceConfig<BaseConfig>({
      configDir: dir,
      env: { ISAC_MQTT__URL: 'mqtt://x', ISAC_TAXII__TITLE: 't' },
    });
    expect(c).to.not.have.property('mqtt');
    expect(storeSettings({ ...c, dataDir: '/d' })).to.deep.equal({
      kind: 'sqlite',
      path: path.join('/d', 'hub.db'),
    });
    expect(() => loadServiceConfig({ configDir: dir, env: { ISAC_HTTTP__PORT: '1' } })).to.throw(
      ConfigError,
      /htttp/,
    );
    expect(() => loadServiceConfig({ configDir: dir, env: {}, foreignSections: [] })).to.throw(
      ConfigError,
      /mqtt/,
    );
  });
  it('takes token issuer and audience from the shared section first', () => {
    const own = { issuer: 'm', audience: 'm', ttlSeconds: 60 };
    expect(tokenSettings({}, own)).to.deep.equal(own);
    expect(tokenSettings({ issuer: 'shared' }, own)).to.deep.equal({
      issuer: 'shared',
      audience: 'm',
      ttlSeconds: 60,
    });
    expect(tokenSettings({})).to.deep.equal({ issuer: 'isac-hub', audience: 'isac-hub', ttlSeconds: 900 });
  });
});
