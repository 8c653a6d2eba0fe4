import { expect } from 'chai';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { openHarness, type Harness } from './harness.js';
import { addOrg, addUser, adminLogin, login, pathsOf } from './helpers.js';

/** Issue 13 points 9 and 15 (ADR 0017) on the membership routes, over HTTP. */
describe('membership: text is what it claims, and conflicts disclose nothing', () => {
  let h: Harness;
  let admin: string;
  beforeEach(async () => {
    h = await openHarness();
    admin = await adminLogin(h);
    await addOrg(h, admin, { id: 'bank-a', name: 'Bank A', sector: 'finance', tier: 'full' });
    await addOrg(h, admin, { id: 'bank-b', name: 'Bank B', sector: 'finance', tier: 'full' });
  });
  afterEach(() => h.close());

  it('answers 400 naming the byte offset for a body that is not UTF-8, and creates nothing', async () => {
    const json = Buffer.from(
      JSON.stringify({ id: 'bank-x', name: 'Bank @', sector: 'finance', tier: 'full' }),
    );
    const offset = json.indexOf('@');
    json[offset] = 0xff;
    const server = h.app.listen(0);
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/orgs`, {
        method: 'POST',
        headers: { authorization: admin, 'content-type': 'application/json' },
        body: json,
      });
      expect(res.status).to.equal(400);
      const body = (await res.json()) as { error: { message: string } };
      expect(body.error.message).to.include(`byte ${offset}`);
    } finally {
      server.close();
    }
    expect((await request(h.app).get('/api/v1/orgs/bank-x').set('authorization', admin)).status).to.equal(
      404,
    );
  });

  it('refuses control, bidirectional and zero-width characters in names, regions and labels, naming the field', async () => {
    const cases: [string, string, Record<string, unknown>, string][] = [
      ['post', '/api/v1/orgs', { name: 'Bank \u202EA', sector: 'finance', tier: 'full' }, '/name'],
      ['post', '/api/v1/orgs', { name: 'Ba\u200Bnk C', sector: 'finance', tier: 'full' }, '/name'],
      [
        'post',
        '/api/v1/orgs',
        { name: 'Bank D', sector: 'finance', tier: 'full', region: 'To\u2066kyo' },
        '/region',
      ],
      ['patch', '/api/v1/orgs/bank-a', { name: 'Bank\u0085A' }, '/name'],
      ['post', '/api/v1/orgs/bank-a/keys', { label: 'ci\uFEFF' }, '/label'],
      [
        'post',
        '/api/v1/orgs/bank-a/subscriptions',
        { channel: 'mqtt', filters: { labels: ['phish\u2060ing'] } },
        '/filters/labels/0',
      ],
    ];
    for (const [method, url, body, path] of cases) {
      const res = await (method === 'post' ? request(h.app).post(url) : request(h.app).patch(url))
        .set('authorization', admin)
        .send(body);
      expect(res.status, `${url} ${JSON.stringify(body)}: ${res.text}`).to.equal(400);
      expect(pathsOf(res)).to.deep.equal([path]);
      expect(res.body.error.message).to.match(
        /U\+[0-9A-F]{4}, a control, bidirectional-formatting or zero-width/,
      );
    }
  });

  it('accepts Japanese names and emoji built with a zero-width joiner', async () => {
    const res = await request(h.app)
      .post('/api/v1/orgs')
      .set('authorization', admin)
      .send({ id: 'shinkin-j', name: 'テスト信用金庫 👩‍💻', sector: 'finance', tier: 'full', region: '東京' });
    expect(res.status, res.text).to.equal(201);
    expect(res.body.name).to.equal('テスト信用金庫 👩‍💻');
  });

  it('answers a username conflict alike whichever organisation holds the name, naming neither', async () => {
    await addUser(h, admin, 'bank-a', 'alice-a', ['analyst']);
    await addUser(h, admin, 'bank-b', 'b-admin', ['org-admin']);
    const bAdmin = await login(h, 'b-admin');
    const create = (auth: string, orgId: string, username: string) =>
      request(h.app)
        .post(`/api/v1/orgs/${orgId}/users`)
        .set('authorization', auth)
        .send({ username, password: 'member-password-123', roles: ['analyst'] });
    const elsewhere = await create(bAdmin, 'bank-b', 'alice-a');
    const own = await create(bAdmin, 'bank-b', 'b-admin');
    for (const res of [elsewhere, own]) {
      expect(res.status, res.text).to.equal(409);
      expect(res.text).to.not.match(/alice-a|b-admin|bank-a/);
    }
    expect(elsewhere.body.error.message).to.equal(own.body.error.message);
    expect(elsewhere.body.error.details).to.deep.equal(own.body.error.details);
  });
});
