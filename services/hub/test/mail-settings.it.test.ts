import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { loadHubConfig } from '../src/config.js';
import { ROOT, startHubProcess } from '../../../test/support/hub-process.js';

describe('mail settings of the hub (issue 15.2)', function () {
  this.timeout(60_000);

  it('writes .eml files under the data directory when no relay and no mail.outDir are set', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'isac-maildir-'));
    const hub = await startHubProcess({}, dataDir);
    try {
      expect(hub.stdout()).to.include(`.eml files in ${path.join(dataDir, 'mail')}`);
      expect(hub.stdout()).to.not.include(path.join(ROOT, 'var', 'mail'));
    } finally {
      await hub.stop();
    }
  });

  it('reads ISAC_PUBLIC_URL as the base of links in mail, and refuses a URL with a query', () => {
    const configDir = path.join(ROOT, 'config');
    const c = loadHubConfig({ configDir, env: { ISAC_PUBLIC_URL: 'https://hub.isac.example' } });
    expect(c.dispatcher.mail.publicUrl).to.equal('https://hub.isac.example');
    expect(c.dispatcher.mail.outDir).to.equal(undefined);
    expect(() => loadHubConfig({ configDir, env: { ISAC_PUBLIC_URL: 'https://hub.example/?x=1' } })).to.throw(
      /publicUrl/,
    );
  });
});
