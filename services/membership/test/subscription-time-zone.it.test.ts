/** email.timeZone of a subscription over REST (issue 15.2): IANA names only, the error names the field. */
import { expect } from 'chai';
import request from 'supertest';
import { ADMIN_PASSWORD, openHarness, type Harness } from './harness.js';

describe('subscriptions: email.timeZone', () => {
  let h: Harness;
  let auth: string;
  beforeEach(async () => {
    h = await openHarness();
    const login = await request(h.app)
      .post('/api/v1/auth/login')
      .send({ username: 'admin', password: ADMIN_PASSWORD })
      .expect(200);
    auth = `Bearer ${login.body.token as string}`;
    await request(h.app)
      .post('/api/v1/orgs')
      .set('authorization', auth)
      .send({ name: 'Example Bank', sector: 'finance', tier: 'trial' })
      .expect(201);
  });
  afterEach(() => h.close());

  const create = (timeZone: unknown) =>
    request(h.app)
      .post('/api/v1/orgs/example-bank/subscriptions')
      .set('authorization', auth)
      .send({ channel: 'email', email: { to: ['soc@example-bank.example'], lang: 'en', timeZone } });

  it('refuses a name that is not an IANA time zone, naming email.timeZone, and stores nothing', async () => {
    for (const bad of ['Mars/Olympus', '+09:00', 'JST', '', 9]) {
      const res = await create(bad).expect(400);
      expect(JSON.stringify(res.body), String(bad)).to.match(/email\/timeZone|email\.timeZone/);
    }
    const subs = await request(h.app)
      .get('/api/v1/orgs/example-bank/subscriptions')
      .set('authorization', auth)
      .expect(200);
    expect(subs.body).to.have.length(0);
  });

  it('stores an IANA name and returns it', async () => {
    const res = await create('America/New_York').expect(201);
    expect(res.body.email).to.include({ timeZone: 'America/New_York', lang: 'en', mode: 'immediate' });
    const subs = await request(h.app)
      .get('/api/v1/orgs/example-bank/subscriptions')
      .set('authorization', auth)
      .expect(200);
    expect(subs.body[0].email.timeZone).to.equal('America/New_York');
  });
});
