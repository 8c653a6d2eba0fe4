import { expect } from 'chai';
import { ManualClock, silentLogger, type Org } from '@isac/kernel';
import { openSqliteStores, payloadOf, type Stores } from '@isac/store';
import { TrialSweeper } from './trial-sweeper.js';

const DAY = 86_400_000;
const T0 = '2026-03-01T00:00:00.000Z';

function trialOrg(id: string, endsAt: string, over: Partial<Org> = {}): Org {
  return {
    id,
    name: id,
    sector: 'sme',
    region: '',
    tier: 'trial',
    status: 'active',
    trial: { startsAt: T0, endsAt },
    contacts: ['soc@example.com'],
    identityId: `identity--${id}`,
    createdAt: T0,
    updatedAt: T0,
    ...over,
  };
}

describe(TrialSweeper.name, () => {
  let clock: ManualClock;
  let stores: Stores;
  let sweeper: TrialSweeper;
  beforeEach(() => {
    clock = new ManualClock(T0);
    stores = openSqliteStores({ path: ':memory:' }, clock);
    sweeper = new TrialSweeper({
      orgs: stores.orgs,
      jobs: stores.jobs,
      audit: stores.audit,
      clock,
      log: silentLogger,
      reminderDaysBefore: [14, 3],
      intervalMs: 60_000,
    });
  });
  afterEach(() => stores.close());

  const notifyJobs = async () =>
    (await stores.jobs.list({ kind: 'notify', limit: 100 })).map((j) => payloadOf(j, 'notify'));

  it('sends nothing while the end is far away', async () => {
    await stores.orgs.create(trialOrg('sme-a', new Date(Date.parse(T0) + 30 * DAY).toISOString()));
    expect(await sweeper.sweep()).to.deep.equal({ reminders: 0, expired: 0 });
    expect(await notifyJobs()).to.deep.equal([]);
  });

  it('enqueues one reminder per threshold, idempotently, with the days left', async () => {
    const endsAt = new Date(Date.parse(T0) + 30 * DAY).toISOString();
    await stores.orgs.create(trialOrg('sme-a', endsAt));
    clock.advance(16 * DAY);
    expect(await sweeper.sweep()).to.deep.equal({ reminders: 1, expired: 0 });
    expect(await sweeper.sweep()).to.deep.equal({ reminders: 0, expired: 0 });
    clock.advance(11 * DAY);
    expect(await sweeper.sweep()).to.deep.equal({ reminders: 1, expired: 0 });
    expect(await notifyJobs()).to.have.deep.members([
      { template: 'trial_reminder', orgId: 'sme-a', daysLeft: 14, endsAt },
      { template: 'trial_reminder', orgId: 'sme-a', daysLeft: 3, endsAt },
    ]);
  });

  it('after a long pause sends only the nearest reminder, not every missed one', async () => {
    await stores.orgs.create(trialOrg('sme-a', new Date(Date.parse(T0) + 2 * DAY).toISOString()));
    expect(await sweeper.sweep()).to.deep.equal({ reminders: 1, expired: 0 });
    expect((await notifyJobs()).map((p) => p.daysLeft)).to.deep.equal([2]);
  });

  it('records the end of a trial once, and again only for a new end after an extension', async () => {
    const endsAt = new Date(Date.parse(T0) + DAY).toISOString();
    await stores.orgs.create(trialOrg('sme-a', endsAt));
    clock.advance(DAY);
    expect((await sweeper.sweep()).expired).to.equal(1);
    expect((await sweeper.sweep()).expired).to.equal(0);
    const newEnd = new Date(clock.now().getTime() + 5 * DAY).toISOString();
    await stores.orgs.update(trialOrg('sme-a', newEnd));
    expect(await sweeper.sweep()).to.deep.equal({ reminders: 1, expired: 0 });
    clock.advance(5 * DAY);
    expect((await sweeper.sweep()).expired).to.equal(1);
    const records = await stores.audit.list({ orgId: 'sme-a', action: 'org.trial_expired', limit: 10 });
    expect(records.map((r) => r.action === 'org.trial_expired' && r.details.endsAt)).to.deep.equal([
      endsAt,
      newEnd,
    ]);
    expect(records[0]!.actor).to.deep.equal({ system: true });
  });

  it('with a grace period, records the end only when the grace period is over, and reminds of nothing in it', async () => {
    const graced = new TrialSweeper({
      orgs: stores.orgs,
      jobs: stores.jobs,
      audit: stores.audit,
      clock,
      log: silentLogger,
      reminderDaysBefore: [14, 3],
      intervalMs: 60_000,
      standing: { trialGraceDays: 2 },
    });
    await stores.orgs.create(trialOrg('sme-a', new Date(Date.parse(T0) + DAY).toISOString()));
    expect(await graced.sweep()).to.deep.equal({ reminders: 1, expired: 0 });
    clock.advance(DAY);
    expect(await graced.sweep()).to.deep.equal({ reminders: 0, expired: 0 });
    clock.advance(2 * DAY - 1);
    expect(await graced.sweep()).to.deep.equal({ reminders: 0, expired: 0 });
    clock.advance(1);
    expect(await graced.sweep()).to.deep.equal({ reminders: 0, expired: 1 });
    expect(await graced.sweep()).to.deep.equal({ reminders: 0, expired: 0 });
  });

  it('records nothing for a trial that has not started', async () => {
    await stores.orgs.create(
      trialOrg('sme-a', new Date(Date.parse(T0) + 40 * DAY).toISOString(), {
        trial: {
          startsAt: new Date(Date.parse(T0) + DAY).toISOString(),
          endsAt: new Date(Date.parse(T0) + 2 * DAY).toISOString(),
        },
      }),
    );
    expect(await sweeper.sweep()).to.deep.equal({ reminders: 0, expired: 0 });
  });

  it('ignores full members and suspended trials', async () => {
    await stores.orgs.create(trialOrg('full-a', T0, { tier: 'full', trial: undefined }));
    await stores.orgs.create(
      trialOrg('sus-a', new Date(Date.parse(T0) - DAY).toISOString(), { status: 'suspended' }),
    );
    expect(await sweeper.sweep()).to.deep.equal({ reminders: 0, expired: 0 });
  });

  it('runs on start and stops cleanly', async () => {
    await stores.orgs.create(trialOrg('sme-a', new Date(Date.parse(T0) + 2 * DAY).toISOString()));
    sweeper.start();
    await sweeper.stop();
    expect(await notifyJobs()).to.have.length(1);
  });
});
