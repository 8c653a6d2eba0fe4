import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startHubProcess, type HubProcess } from '../support/hub-process.js';
import { cliWorld, type CliWorld } from '../support/cli.js';

const TAXII = 'application/taxii+json;version=2.1';
const ADMIN_PASSWORD = 'e2e-admin-password-long-enough';

interface Detail {
  id: string;
  version: string;
  message?: string;
}
interface Status {
  id: string;
  successes?: Detail[];
}

function indicator(pattern: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const now = new Date().toISOString();
  return {
    type: 'indicator',
    spec_version: '2.1',
    id: `indicator--${crypto.randomUUID()}`,
    created: now,
    modified: now,
    pattern,
    pattern_type: 'stix',
    valid_from: now,
    ...extra,
  };
}

/**
 * Issue 14 point 3: the submitter's status names each indicator the gate keeps off the block
 * lists, and why, in English and Japanese: the TAXII status resource (POST answer and GET), the
 * REST answer and `isac submit`. Over real HTTP against a one-process hub.
 */
describe('block-list gate in the submitter status (real hub)', function () {
  this.timeout(120_000);
  let hub: HubProcess;
  let cli: CliWorld;
  let objectsPath: string;

  const call = async (
    method: string,
    p: string,
    opts: { body?: unknown; type?: string; accept?: string } = {},
  ): Promise<{ status: number; body: any }> => {
    const headers: Record<string, string> = { authorization: `Bearer ${cli.key('bank-a')}` };
    if (opts.accept) headers['accept'] = opts.accept;
    if (opts.body !== undefined) headers['content-type'] = opts.type ?? 'application/json';
    const res = await fetch(hub.httpUrl + p, {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const messageOf = (s: Status, id: string): string | undefined =>
    s.successes?.find((d) => d.id === id)?.message;

  before(async () => {
    hub = await startHubProcess({ ISAC_ADMIN_PASSWORD: ADMIN_PASSWORD });
    cli = await cliWorld(hub, ADMIN_PASSWORD, 'isac-gate-status-');
    await cli.addMember('bank-a', 'finance', 'full');
    const disc = await call('GET', '/taxii2/', { accept: TAXII });
    const root = new URL(disc.body.default ?? disc.body.api_roots[0], hub.httpUrl).pathname.replace(
      /\/?$/,
      '/',
    );
    const cols = await call('GET', `${root}collections/`, { accept: TAXII });
    const col = (cols.body.collections as { id: string; can_write: boolean }[]).find((c) => c.can_write);
    objectsPath = `${root}collections/${col!.id}/objects/`;
  });
  after(async () => {
    await hub?.stop();
  });

  it('names each refused indicator and why in the TAXII status (POST answer and GET), and nothing for one that passes', async () => {
    const dns = indicator("[ipv4-addr:value = '8.8.8.8']");
    const both = indicator("[ipv4-addr:value = '10.0.0.1'] OR [ipv4-addr:value = '0.0.0.0/0']");
    const good = indicator("[ipv4-addr:value = '185.220.101.5']");
    const revoked = indicator("[domain-name:value = 'microsoft.com']", { revoked: true });
    const posted = await call('POST', objectsPath, {
      type: TAXII,
      accept: TAXII,
      body: { objects: [dns, both, good, revoked] },
    });
    expect(posted.status, JSON.stringify(posted.body)).to.equal(202);
    const fetched = await call(
      'GET',
      `${objectsPath.replace(/collections\/.*$/, '')}status/${posted.body.id}/`,
      {
        accept: TAXII,
      },
    );
    expect(fetched.status, JSON.stringify(fetched.body)).to.equal(200);
    for (const s of [posted.body as Status, fetched.body as Status]) {
      const m = messageOf(s, dns['id'] as string);
      expect(m).to.include(
        'not added to block lists: 8.8.8.8 is a public DNS resolver: Google Public DNS (warning list: public-dns)',
      );
      expect(m).to.include('ブロックリストに追加しません: 8.8.8.8 は公開DNSリゾルバです');
      const m2 = messageOf(s, both['id'] as string);
      expect(m2).to.include('10.0.0.1 is in 10.0.0.0/8');
      expect(m2).to.include('0.0.0.0/0 is wider than /24');
      expect(messageOf(s, good['id'] as string) ?? '').to.not.include('block lists');
      // a revoked indicator removes entries; nothing is refused for it
      expect(messageOf(s, revoked['id'] as string) ?? '').to.not.include('block lists');
    }
  });

  it('names the refusal in the REST answer and the REST status', async () => {
    const r = await call('POST', '/api/v1/indicators', {
      body: { kind: 'domain', value: 'microsoft.com', tlp: 'green' },
    });
    expect(r.status, JSON.stringify(r.body)).to.equal(202);
    const s = r.body as Status;
    expect(s.successes![0]!.message).to.include(
      'not added to block lists: microsoft.com is a well-known domain',
    );
    const again = await call('GET', `/api/v1/status/${s.id}`);
    expect(again.status).to.equal(200);
    expect((again.body as Status).successes![0]!.message).to.equal(s.successes![0]!.message);
  });

  it('prints the refusals in `isac submit`, in English and Japanese', async () => {
    const one = await cli.as('bank-a', ['submit', '--ioc', '8.8.8.8', '--kind', 'ipv4', '--tlp', 'green']);
    expect(one.code, one.stderr).to.equal(0);
    expect(one.stdout).to.match(
      /not added to block lists: indicator--[0-9a-f-]+ 8\.8\.8\.8 is a public DNS resolver/,
    );
    expect(one.stdout).to.match(
      /ブロックリストに追加しません: indicator--[0-9a-f-]+ 8\.8\.8\.8 は公開DNSリゾルバです/,
    );
    expect(one.stdout).to.include(
      '1 of 1 accepted indicators not added to block lists / 1 件の指標はブロックリストに追加しません',
    );

    const file = path.join(cli.work, 'ok.json');
    writeFileSync(file, JSON.stringify(indicator("[ipv4-addr:value = '185.220.101.6']")));
    const ok = await cli.as('bank-a', ['submit', file]);
    expect(ok.code, ok.stderr).to.equal(0);
    expect(ok.stdout).to.not.include('block lists');
  });
});
