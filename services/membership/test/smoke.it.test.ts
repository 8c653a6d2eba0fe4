import { expect } from 'chai';
import request from 'supertest';
import { ADMIN_PASSWORD, openHarness, type Harness } from './harness.js';

describe('membership service (smoke)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await openHarness();
  });
  afterEach(() => h.close());

  it('logs in, admits an org, creates a key and a subscription, answers me and jwks', async () => {
    const login = await request(h.app)
      .post('/api/v1/auth/login')
      .send({ username: 'admin', password: ADMIN_PASSWORD })
      .expect(200);
    const auth = `Bearer ${login.body.token as string}`;
    const org = await request(h.app)
      .post('/api/v1/orgs')
      .set('authorization', auth)
      .send({ name: 'Example Bank', sector: 'finance', tier: 'trial' })
      .expect(201);
    expect(org.body.id).to.equal('example-bank');
    expect(org.body.identityId).to.match(/^identity--[0-9a-f-]{36}$/);
    const key = await request(h.app)
      .post('/api/v1/orgs/example-bank/keys')
      .set('authorization', auth)
      .send({ scopes: ['subscribe'] })
      .expect(201);
    const me = await request(h.app)
      .get('/api/v1/me')
      .set('authorization', `Bearer ${key.body.key as string}`)
      .expect(200);
    expect(me.body).to.include({ orgId: 'example-bank' });
    expect(me.body.mqtt.url).to.equal('mqtt://localhost:1883');
    await request(h.app)
      .post('/api/v1/orgs/example-bank/subscriptions')
      .set('authorization', `Bearer ${key.body.key as string}`)
      .send({ channel: 'mqtt', filters: { tlpCeiling: 'green' } })
      .expect(201);
    const subs = await request(h.app)
      .get('/api/v1/orgs/example-bank/subscriptions')
      .set('authorization', auth)
      .expect(200);
    expect(subs.body).to.have.length(1);
    const jwks = await request(h.app).get('/.well-known/jwks.json').expect(200);
    expect(jwks.body.keys[0]).to.include({ kid: 'k1', alg: 'ES256' });
    const doc = await request(h.app).get('/api/openapi.json').expect(200);
    expect(doc.body.openapi).to.equal('3.1.0');
  });
});
