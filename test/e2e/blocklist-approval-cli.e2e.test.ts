import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { expect } from 'chai';
import { issueApiKey } from '@isac/auth';
import {
  indicatorVersion,
  org,
  sub,
  until,
  world,
  type Subscriber,
  type World,
} from '../../services/dispatcher/test/support.js';
import { submission } from '../../libs/store/test/submission.js';
import { isac } from '../support/cli.js';

const BLOCKABLE = "[domain-name:value = 'login-verify-secure.top'] OR [ipv4-addr:value = '185.220.101.7']";
const entriesOf = (s: Subscriber) =>
  s.messages
    .filter((m) => m.topic.includes('/blocklist/'))
    .flatMap((m) => (m.json as { entries: { op: string; value: string }[] }).entries);

/** `isac admin blocklist pending|approve|reject` against the dispatcher's REST routes, over real HTTP and MQTT (ADR 0030). */
describe('isac admin blocklist: the analyst approval queue from the CLI', function () {
  this.timeout(30_000);
  let w: World;
  let server: ReturnType<express.Express['listen']> | undefined;
  const homes: string[] = [];
  afterEach(async () => {
    server?.close();
    await w.close();
    for (const h of homes.splice(0)) await rm(h, { recursive: true, force: true });
  });

  async function env(url: string, orgId: string, scopes: string[]): Promise<Record<string, string>> {
    const k = issueApiKey();
    await w.stores.apiKeys.create({
      id: `key-cli-${orgId}`,
      orgId,
      label: 'cli',
      prefix: k.prefix,
      hash: k.hash,
      scopes: scopes as ('admin' | 'read')[],
      createdAt: '2026-01-01T00:00:00.000Z',
    });
    const home = await mkdtemp(path.join(os.tmpdir(), 'isac-cli-'));
    homes.push(home);
    return { ISAC_URL: url, ISAC_API_KEY: k.key, ISAC_HOME: home };
  }

  it('lists the held indicator, refuses a member, approves once with a reason, and says why a second approve changes nothing', async () => {
    w = await world();
    await w.addOrg(org('hub'));
    await w.addOrg(org('bank-a', { blocklist: { approval: true } }));
    await w.addOrg(org('bank-b'));
    for (const o of ['bank-a', 'bank-b']) await w.stores.subscriptions.create(sub(o, 'mqtt'));
    await w.startBroker();
    const d = w.compose();
    server = express().use(d.router).listen(0, '127.0.0.1');
    await new Promise((r) => server!.once('listening', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const admin = await env(url, 'hub', ['admin', 'read']);
    const member = await env(url, 'bank-b', ['read']);
    await d.start();
    const b = await w.subscriber('bank-b');
    const v = indicatorVersion({ submitterOrgId: 'bank-a', object: { pattern: BLOCKABLE } });
    await w.stores.objects.accept(submission([v]));
    w.jobsReady.notify();
    await until(
      async () => (await w.stores.approvals.list({ limit: 5 })).items.length === 1,
      10_000,
      'queued',
    );
    const [entry] = (await w.stores.approvals.list({ limit: 5 })).items;

    const list = await isac(['admin', 'blocklist', 'pending'], admin);
    expect(list.code, list.stderr).to.equal(0);
    expect(list.stdout).to.include(entry!.id).and.include(v.id).and.include('ipv4:185.220.101.7');
    const json = await isac(['--json', 'admin', 'blocklist', 'pending'], admin);
    expect(
      (JSON.parse(json.stdout) as { approvals: { id: string }[] }).approvals.map((a) => a.id),
    ).to.deep.equal([entry!.id]);

    const refused = await isac(['admin', 'blocklist', 'approve', entry!.id], member);
    expect(refused.code).to.not.equal(0);
    expect(refused.stderr).to.include('hub analyst or administrator');

    const ok = await isac(
      ['admin', 'blocklist', 'approve', entry!.id, '--reason', 'seen in our honeypot'],
      admin,
    );
    expect(ok.code, ok.stderr).to.equal(0);
    expect(ok.stdout).to.include(`approved ${entry!.id}`).and.include('承認しました');
    await until(() => entriesOf(b).length >= 2, 10_000, 'the adds at bank-b');

    const again = await isac(['admin', 'blocklist', 'reject', entry!.id], admin);
    expect(again.code).to.not.equal(0);
    expect(again.stderr).to.include('already approved').and.include('nothing changed');
    const done = await isac(['admin', 'blocklist', 'pending', '--state', 'approved'], admin);
    expect(done.stdout).to.include(entry!.id).and.include('approved');
    await new Promise((r) => setTimeout(r, 300));
    expect(
      entriesOf(b)
        .map((e) => `${e.op}:${e.value}`)
        .sort(),
    ).to.deep.equal(['add:185.220.101.7', 'add:login-verify-secure.top']);
  });
});
