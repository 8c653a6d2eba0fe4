import { expect } from 'chai';
import request from 'supertest';
import type { Logger } from '@isac/kernel';
import { openHarness, type Harness } from './harness.js';
import { addOrg, adminLogin, pathsOf } from './helpers.js';

const DAY = 86_400_000;

interface ErrorBody {
  error: { message: string; details: { path: string; message: string }[] };
}

describe('organisation regions: a controlled vocabulary (over HTTP)', () => {
  let h: Harness;
  let admin: string;
  afterEach(() => h.close());

  describe('with the default settings', () => {
    beforeEach(async () => {
      h = await openHarness();
      admin = await adminLogin(h);
    });

    it('refuses free text with a 400 naming the field and the nearest matches; nothing is stored', async () => {
      const res = await request(h.app)
        .post('/api/v1/orgs')
        .set('authorization', admin)
        .send({ id: 'bank-t', name: 'Bank T', sector: 'finance', tier: 'full', region: 'Tokio' })
        .expect(400);
      expect(pathsOf(res)).to.deep.equal(['/region']);
      const body = res.body as ErrorBody;
      expect(body.error.message).to.contain('region "Tokio" is not a prefecture or country');
      expect(body.error.message).to.contain('did you mean Tokyo (JP-13)?');
      expect(body.error.message).to.contain('東京都 (JP-13)');
      expect(await h.stores.orgs.get('bank-t')).to.equal(undefined);
    });

    it('refuses Japan itself and text without a near match, on create and update', async () => {
      for (const region of ['Japan', '日本', 'Atlantis Prefecture', 'JP-48']) {
        const res = await request(h.app)
          .post('/api/v1/orgs')
          .set('authorization', admin)
          .send({ name: 'Bank X', sector: 'finance', tier: 'full', region })
          .expect(400);
        expect(pathsOf(res), region).to.deep.equal(['/region']);
      }
      await addOrg(h, admin, { id: 'bank-u', name: 'Bank U', sector: 'finance', tier: 'full', region: '13' });
      const res = await request(h.app)
        .patch('/api/v1/orgs/bank-u')
        .set('authorization', admin)
        .send({ region: 'Kanagwa', name: 'Bank U2' })
        .expect(400);
      expect(pathsOf(res)).to.deep.equal(['/region']);
      expect((res.body as ErrorBody).error.message).to.contain('Kanagawa (JP-14)');
      const kept = await h.stores.orgs.get('bank-u');
      expect(kept).to.include({ region: 'JP-13', name: 'Bank U' });
    });

    it('accepts a prefecture by code, Japanese or English name, or a country, and stores the code', async () => {
      const cases: [string, string][] = [
        ['13', 'JP-13'],
        ['JP-13', 'JP-13'],
        ['東京都', 'JP-13'],
        ['東京', 'JP-13'],
        ['Tokyo', 'JP-13'],
        ['大阪府', 'JP-27'],
        ['SG', 'SG'],
        ['Singapore', 'SG'],
      ];
      let n = 0;
      for (const [region, code] of cases) {
        const org = await addOrg(h, admin, {
          id: `org-${++n}`,
          name: `Org ${n}`,
          sector: 'sme',
          tier: 'full',
          region,
        });
        expect(org['region'], region).to.equal(code);
        expect((await h.stores.orgs.get(`org-${n}`))?.region).to.equal(code);
      }
      const res = await request(h.app).get('/api/v1/orgs/org-1').set('authorization', admin).expect(200);
      expect(res.body).to.deep.include({ region: 'JP-13', regionNames: { ja: '東京都', en: 'Tokyo' } });
      const sg = await request(h.app)
        .patch('/api/v1/orgs/org-1')
        .set('authorization', admin)
        .send({ region: 'シンガポール' })
        .expect(200);
      expect(sg.body).to.deep.include({ region: 'SG', regionNames: { ja: 'シンガポール', en: 'Singapore' } });
    });
  });

  it('membership.regions limits the vocabulary; names there resolve to codes', async () => {
    h = await openHarness({ config: { regions: ['東京都', 'Osaka', 'JP-04'] } });
    admin = await adminLogin(h);
    const ok = await addOrg(h, admin, { name: 'Bank M', sector: 'finance', tier: 'full', region: '宮城県' });
    expect(ok['region']).to.equal('JP-04');
    const res = await request(h.app)
      .post('/api/v1/orgs')
      .set('authorization', admin)
      .send({ name: 'Bank A', sector: 'finance', tier: 'full', region: 'Aichi' })
      .expect(400);
    expect(pathsOf(res)).to.deep.equal(['/region']);
    expect((res.body as ErrorBody).error.message)
      .to.contain('Aichi (JP-23)')
      .and.contain('Osaka (JP-27)');
  });

  it('free text kept by the migration is logged at start and answered as unresolved', async () => {
    const warnings: { obj: unknown; msg: string | undefined }[] = [];
    const log: Logger = {
      info: () => {},
      debug: () => {},
      error: () => {},
      warn: (obj: object | string, msg?: string) => void warnings.push({ obj, msg }),
      child: () => log,
    };
    h = await openHarness({ log });
    admin = await adminLogin(h);
    const at = h.clock.now().toISOString();
    await h.stores.orgs.create({
      id: 'old-bank',
      name: 'Old Bank',
      sector: 'finance',
      region: 'Head office, Kanto',
      tier: 'full',
      status: 'active',
      contacts: [],
      identityId: 'identity--00000000-0000-5000-8000-000000000001',
      createdAt: at,
      updatedAt: at,
    });
    h.membership.start();
    for (let i = 0; i < 50 && warnings.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(warnings).to.have.length(1);
    expect(warnings[0]!.obj).to.deep.equal({
      unresolved: [{ orgId: 'old-bank', region: 'Head office, Kanto' }],
    });
    expect(warnings[0]!.msg).to.contain('isac admin org region');
    const res = await request(h.app).get('/api/v1/orgs/old-bank').set('authorization', admin).expect(200);
    expect(res.body).to.include({ region: 'Head office, Kanto', regionUnresolved: true });
    expect(res.body).to.not.have.property('regionNames');
    // other changes keep working; setting a region fixes it
    await request(h.app)
      .patch('/api/v1/orgs/old-bank')
      .set('authorization', admin)
      .send({ name: 'Old Bank 2' })
      .expect(200);
    const fixed = await request(h.app)
      .patch('/api/v1/orgs/old-bank')
      .set('authorization', admin)
      .send({ region: '茨城県' })
      .expect(200);
    expect(fixed.body).to.deep.include({ region: 'JP-08', regionNames: { ja: '茨城県', en: 'Ibaraki' } });
    expect(fixed.body).to.not.have.property('regionUnresolved');
  });

  it('a configured region that is not one is refused at start', async () => {
    let err: unknown;
    try {
      await openHarness({ config: { regions: ['Tokio'] } });
    } catch (e) {
      err = e;
    }
    expect(String((err as Error | undefined)?.message))
      .to.contain('membership.regions')
      .and.contain('Tokyo (JP-13)');
  });
});

describe('trials: end date, days left, expired (over HTTP)', () => {
  let h: Harness;
  let admin: string;
  beforeEach(async () => {
    h = await openHarness({
      config: { trial: { defaultDays: 60, reminderDaysBefore: [3], sweepIntervalSeconds: 3600 } },
      standing: { trialGraceDays: 7 },
    });
    admin = await adminLogin(h);
  });
  afterEach(() => h.close());

  it('shows days left, the grace period, then expired, agreeing with standing', async () => {
    await addOrg(h, admin, { id: 'trial-a', name: 'Trial A', sector: 'sme', tier: 'trial' });
    const show = async () =>
      (
        await request(h.app)
          .get('/api/v1/orgs/trial-a')
          .set('authorization', await adminLogin(h))
          .expect(200)
      ).body as {
        trialState: unknown;
      };
    expect((await show()).trialState).to.deep.equal({ status: 'active', daysLeft: 60 });
    h.clock.advance(59 * DAY + 1);
    expect((await show()).trialState).to.deep.equal({ status: 'active', daysLeft: 1 });
    h.clock.advance(DAY);
    expect((await show()).trialState).to.deep.equal({
      status: 'grace',
      daysLeft: 0,
      graceUntil: new Date(Date.parse('2026-03-01T00:00:00.000Z') + 67 * DAY).toISOString(),
    });
    h.clock.advance(7 * DAY);
    expect((await show()).trialState).to.deep.equal({ status: 'expired', daysLeft: 0 });
    const list = await request(h.app)
      .get('/api/v1/orgs')
      .set('authorization', await adminLogin(h))
      .expect(200);
    const a = (list.body as { id: string; trialState?: unknown }[]).find((o) => o.id === 'trial-a');
    expect(a?.trialState).to.deep.equal({ status: 'expired', daysLeft: 0 });
    const hub = (list.body as { id: string; trialState?: unknown }[]).find((o) => o.id === 'hub');
    expect(hub).to.not.have.property('trialState');
  });
});
