import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { FileMailSender } from '../src/index.js';
import { DurableSessionPersistence } from '../src/mqtt/session-store.js';

/** Mail and queued alerts carry members' data: 0600 in 0700, even under a permissive umask (ADR 0012). */
describe('dispatcher files are private whatever the umask (issue 13, point 4)', () => {
  let old: number;
  beforeEach(() => {
    old = process.umask(0o000);
  });
  afterEach(() => {
    process.umask(old);
  });
  const mode = (p: string): string => (statSync(p).mode & 0o777).toString(8);

  it('writes .eml files 0600 in a 0700 directory', async () => {
    const outDir = path.join(mkdtempSync(path.join(os.tmpdir(), 'isac-eml-')), 'mail');
    const sender = new FileMailSender(outDir);
    await sender.send({
      from: 'a@isac.invalid',
      to: ['b@isac.invalid'],
      raw: Buffer.from('Subject: x\r\n\r\nx'),
    });
    const [file] = readdirSync(outDir);
    expect(mode(outDir)).to.equal('700');
    expect(mode(path.join(outDir, file!))).to.equal('600');
  });

  it('creates the MQTT session store 0600 in a 0700 directory', async () => {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'isac-sess-')), 'mqtt');
    const store = new DurableSessionPersistence(path.join(dir, 'sessions.db'));
    try {
      expect(mode(dir)).to.equal('700');
      expect(mode(path.join(dir, 'sessions.db'))).to.equal('600');
      expect(mode(path.join(dir, 'sessions.db-wal'))).to.equal('600');
    } finally {
      await store.destroy();
    }
  });
});
