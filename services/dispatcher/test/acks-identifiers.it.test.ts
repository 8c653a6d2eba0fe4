import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import { indicatorVersion, org, sub, until, world, type World } from './support.js';
import { submission } from '../../../libs/store/test/submission.js';

/** Issue 13 point 7 (ADR 0017): an alert id names one alert whatever the case of its hex digits. */
describe('acknowledgements: alert ids compare case-insensitively', () => {
  let w: World;
  let app: express.Express;
  beforeEach(async () => {
    w = await world();
    await w.addOrg(org('bank-a'));
    await w.addOrg(org('bank-b'));
    await w.addOrg(org('bank-c'));
    await w.stores.subscriptions.create(sub('bank-b', 'mqtt'));
    await w.stores.subscriptions.create(sub('bank-c', 'email'));
    await w.startBroker();
    const d = w.compose();
    app = express().use(d.router);
    await d.start();
  });
  afterEach(() => w.close());

  it('records the recipient’s ack of an upper-case alert id, and still refuses another organisation', async () => {
    const v = indicatorVersion();
    await w.stores.objects.accept(submission([v]));
    w.jobsReady.notify();
    await until(async () =>
      (await w.stores.deliveries.listForObject(v.id)).filter((d) => d.status === 'sent').length === 2
        ? true
        : false,
    );
    const mine = (await w.stores.deliveries.listForObject(v.id)).find((d) => d.orgId === 'bank-b')!;
    const upper = mine.alertId.toUpperCase();
    expect(upper).to.not.equal(mine.alertId);
    await request(app)
      .post(`/api/v1/alerts/${upper}/ack`)
      .set('authorization', `Bearer ${w.keys.get('bank-c')}`)
      .expect(404);
    const ok = await request(app)
      .post(`/api/v1/alerts/${upper}/ack`)
      .set('authorization', `Bearer ${w.keys.get('bank-b')}`);
    expect(ok.status, ok.text).to.equal(200);
    expect(ok.body).to.include({ alertId: mine.alertId, orgId: 'bank-b' });
    const after = await w.stores.deliveries.listForObject(v.id);
    expect(after.find((d) => d.orgId === 'bank-b')!.acknowledgedAt).to.be.a('string');
    expect(after.find((d) => d.orgId === 'bank-c')!.acknowledgedAt).to.equal(undefined);
  });

  it('records an ack of an email alert given with its id in upper case', async () => {
    const v = indicatorVersion();
    await w.stores.objects.accept(submission([v]));
    w.jobsReady.notify();
    let mail: { alertId: string } | undefined;
    await until(async () => {
      mail = (await w.stores.deliveries.listForObject(v.id)).find(
        (d) => d.orgId === 'bank-c' && d.status === 'sent',
      );
      return mail !== undefined;
    });
    const upper = mail!.alertId.toUpperCase();
    expect(upper).to.not.equal(mail!.alertId);
    const ok = await request(app)
      .post(`/api/v1/alerts/${upper}/ack`)
      .set('authorization', `Bearer ${w.keys.get('bank-c')}`);
    expect(ok.status, ok.text).to.equal(200);
    expect(ok.body).to.include({ alertId: mail!.alertId, orgId: 'bank-c' });
  });
});
