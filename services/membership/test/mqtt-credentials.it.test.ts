import { expect } from 'chai';
import request from 'supertest';
import { randomBytes } from 'node:crypto';
import { mqttPassword } from '@isac/auth';
import { openHarness, type Harness } from './harness.js';
import { addKey, addOrg, addUser, adminLogin, login } from './helpers.js';

describe('organisation MQTT credentials (membership API)', () => {
  const secret = randomBytes(32);
  let h: Harness;
  let admin: string;

  beforeEach(async () => {
    h = await openHarness({ mqttSecret: secret });
    admin = await adminLogin(h);
    await addOrg(h, admin, { id: 'telco-a', name: 'Telco A', sector: 'telecom', tier: 'full' });
    await addOrg(h, admin, { id: 'bank-b', name: 'Bank B', sector: 'finance', tier: 'full' });
  });
  afterEach(() => h.close());

  it('lets an org-admin issue its own, once shown, and queues the broker provisioning', async () => {
    await addUser(h, admin, 'telco-a', 'telco-admin', ['org-admin']);
    const token = await login(h, 'telco-admin');
    const res = await request(h.app)
      .post('/api/v1/orgs/telco-a/mqtt-credentials')
      .set('authorization', token)
      .send({});
    expect(res.status).to.equal(201);
    expect(res.headers['cache-control']).to.equal('no-store');
    expect(res.body).to.deep.equal({
      username: 'telco-a',
      password: mqttPassword(secret, 'telco-a', 1),
      generation: 1,
      topicPrefix: 'isac/v1/orgs/telco-a/',
    });
    expect((await h.stores.orgs.get('telco-a'))?.mqttCredential?.generation).to.equal(1);
    const jobs = await h.stores.jobs.list({ kind: 'provision_mqtt', limit: 10 });
    expect(jobs.map((j) => j.payload)).to.deep.equal([{ orgId: 'telco-a', generation: 1 }]);
    const audit = await h.stores.audit.list({ action: 'org.mqtt_credentials', limit: 10 });
    expect(audit).to.have.length(1);
    expect(JSON.stringify(audit)).to.not.include(res.body.password as string);
  });

  it("answers 404 for another organisation's credentials and 403 for an analyst", async () => {
    await addUser(h, admin, 'telco-a', 'telco-admin', ['org-admin']);
    await addUser(h, admin, 'telco-a', 'telco-analyst', ['analyst']);
    const orgAdmin = await login(h, 'telco-admin');
    const other = await request(h.app)
      .post('/api/v1/orgs/bank-b/mqtt-credentials')
      .set('authorization', orgAdmin)
      .send({});
    expect(other.status).to.equal(404);
    const analyst = await login(h, 'telco-analyst');
    const denied = await request(h.app)
      .post('/api/v1/orgs/telco-a/mqtt-credentials')
      .set('authorization', analyst)
      .send({});
    expect(denied.status).to.equal(403);
    const key = await addKey(h, admin, 'telco-a', { scopes: ['subscribe'] });
    const byKey = await request(h.app)
      .post('/api/v1/orgs/telco-a/mqtt-credentials')
      .set('authorization', `Bearer ${key.key}`)
      .send({});
    expect(byKey.status).to.equal(403);
    expect((await h.stores.orgs.get('telco-a'))?.mqttCredential).to.equal(undefined);
  });

  it('queues a provisioning job when a credentialed organisation is suspended, so an external broker disables it', async () => {
    const issued = await request(h.app)
      .post('/api/v1/orgs/telco-a/mqtt-credentials')
      .set('authorization', admin)
      .send({});
    expect(issued.status).to.equal(201);
    h.clock.advance(1000);
    const s = await request(h.app)
      .patch('/api/v1/orgs/telco-a')
      .set('authorization', admin)
      .send({ status: 'suspended' });
    expect(s.status).to.equal(200);
    const jobs = await h.stores.jobs.list({ kind: 'provision_mqtt', limit: 10 });
    expect(jobs).to.have.length(2);
  });

  it('refuses a suspended organisation', async () => {
    const s = await request(h.app)
      .patch('/api/v1/orgs/telco-a')
      .set('authorization', admin)
      .send({ status: 'suspended' });
    expect(s.status).to.equal(200);
    const res = await request(h.app)
      .post('/api/v1/orgs/telco-a/mqtt-credentials')
      .set('authorization', admin)
      .send({});
    expect(res.status).to.equal(409);
  });
});
