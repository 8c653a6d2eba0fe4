/**
 * Exercises over HTTP (ADR 0033, issue 14 point 1): hub administrators create, list, show and
 * close them; bad input names its field; nobody else may.
 */
import { expect } from 'chai';
import request from 'supertest';
import { openHarness, type Harness } from './harness.js';
import { addOrg, addUser, adminLogin, login, pathsOf } from './helpers.js';

describe('membership: exercises (ADR 0033)', () => {
  let h: Harness;
  let admin: string;
  beforeEach(async () => {
    h = await openHarness();
    admin = await adminLogin(h);
    for (const id of ['bank-a', 'bank-b', 'bank-c'])
      await addOrg(h, admin, { id, name: id, sector: 'finance', tier: 'full' });
    await addUser(h, admin, 'bank-a', 'a-admin', ['org-admin']);
  });
  afterEach(() => h.close());

  const body = (over: object = {}) => ({
    id: 'ex-delta-wall',
    name: 'Delta Wall 2026',
    start: '2026-03-01T00:01:00Z',
    end: '2026-03-01T17:00:00Z',
    participants: ['bank-b', 'bank-a'],
    scenario: 'Ransomware on the settlement network',
    ...over,
  });
  const create = (auth: string, b: object) =>
    request(h.app).post('/api/v1/exercises').set('authorization', auth).send(b);

  it('creates, lists, shows and closes one; its state follows the clock; each write is audited', async () => {
    const res = await create(admin, body()).expect(201);
    expect(res.body).to.include({
      id: 'ex-delta-wall',
      start: '2026-03-01T00:01:00.000Z',
      state: 'scheduled',
    });
    expect(res.body.participants).to.deep.equal(['bank-a', 'bank-b']);
    h.clock.advance(2 * 60_000);
    const list = await request(h.app).get('/api/v1/exercises').set('authorization', admin).expect(200);
    expect(list.body.map((e: { id: string; state: string }) => [e.id, e.state])).to.deep.equal([
      ['ex-delta-wall', 'running'],
    ]);
    const closed = await request(h.app)
      .post('/api/v1/exercises/ex-delta-wall/close')
      .set('authorization', admin)
      .expect(200);
    expect(closed.body.state).to.equal('closed');
    const shown = await request(h.app)
      .get('/api/v1/exercises/ex-delta-wall')
      .set('authorization', admin)
      .expect(200);
    expect(shown.body.closedAt).to.equal(closed.body.closedAt);
    const audit = await h.stores.audit.list({ limit: 10, newestFirst: true });
    expect(audit.map((r) => r.action).slice(0, 2)).to.deep.equal(['exercise.close', 'exercise.create']);
  });

  it('generates an id when none is given; a repeated id is a conflict', async () => {
    const { id, ...rest } = body();
    void id;
    const res = await create(admin, rest).expect(201);
    expect(res.body.id).to.match(/^ex-[a-z0-9]+$/);
    await create(admin, body()).expect(201);
    await create(admin, body()).expect(409);
  });

  it('refuses bad input naming the field, storing nothing', async () => {
    expect(pathsOf(await create(admin, body({ end: '2026-03-01T00:00:30Z' })).expect(400))).to.deep.equal([
      '/end',
    ]);
    expect(
      pathsOf(await create(admin, body({ participants: ['bank-a', 'bank-zz'] })).expect(400)),
    ).to.deep.equal(['/participants/1']);
    expect(pathsOf(await create(admin, body({ participants: [] })).expect(400))).to.deep.equal([
      '/participants',
    ]);
    expect(pathsOf(await create(admin, body({ name: undefined })).expect(400))[0]).to.match(/name|^\/?$/);
    await request(h.app).get('/api/v1/exercises/ex-delta-wall').set('authorization', admin).expect(404);
    expect(await h.stores.exercises.list()).to.deep.equal([]);
  });

  it('reports per participant: delivered at, first ack, time to acknowledge, never (ADR 0033)', async () => {
    await create(admin, body({ participants: ['bank-a', 'bank-b', 'bank-c'] })).expect(201);
    const version = (id: string, exerciseId?: string) => ({
      collectionId: 'c1',
      id,
      type: 'indicator',
      specVersion: '2.1',
      version: '2026-03-01T00:00:00.000Z',
      object: { type: 'indicator', id },
      submitterOrgId: 'bank-a',
      tlp: 'green' as const,
      tlpSource: 'object' as const,
      unknownMarkings: [],
      knownMarkings: [],
      namedRecipients: [],
      anonymous: true,
      exercise: exerciseId !== undefined,
      ...(exerciseId === undefined ? {} : { exerciseId }),
    });
    const drill = 'indicator--00000000-0000-4000-8000-00000000d001';
    const live = 'indicator--00000000-0000-4000-8000-00000000f001';
    await h.stores.objects.accept({ id: 's1', versions: [version(drill, 'ex-delta-wall'), version(live)] });
    expect(await h.stores.objects.exerciseObjectIds('ex-delta-wall')).to.deep.equal([drill]);
    const delivery = (objectId: string, orgId: string, channel: 'mqtt' | 'email', alertId: string) => ({
      key: `${objectId}|${orgId}|${channel}`,
      objectId,
      version: '2026-03-01T00:00:00.000Z',
      orgId,
      channel,
      alertId,
      tlp: 'green',
    });
    const t0 = new Date('2026-03-01T01:00:00.000Z');
    const ds = [
      delivery(drill, 'bank-b', 'mqtt', '00000000-0000-5000-8000-0000000000b1'),
      delivery(drill, 'bank-b', 'email', '00000000-0000-5000-8000-0000000000b2'),
      delivery(drill, 'bank-c', 'mqtt', '00000000-0000-5000-8000-0000000000c1'),
      // a live alert acknowledged earlier is no part of the exercise
      delivery(live, 'bank-c', 'mqtt', '00000000-0000-5000-8000-0000000000c9'),
    ];
    await h.stores.deliveries.recordMany(ds, t0);
    await h.stores.deliveries.markSentMany(
      ds.map((d) => d.key),
      t0,
    );
    await h.stores.deliveries.acknowledge(
      'bank-c',
      ds[3]!.alertId,
      'c-soc',
      new Date('2026-03-01T01:00:05.000Z'),
    );
    await h.stores.deliveries.acknowledge(
      'bank-b',
      ds[1]!.alertId,
      'b-soc',
      new Date('2026-03-01T01:02:00.000Z'),
    );
    await h.stores.deliveries.acknowledge(
      'bank-b',
      ds[0]!.alertId,
      'b-soc',
      new Date('2026-03-01T01:05:00.000Z'),
    );
    const res = await request(h.app)
      .get('/api/v1/exercises/ex-delta-wall/report')
      .set('authorization', admin)
      .expect(200);
    const sent = '2026-03-01T01:00:00.000Z';
    expect(res.body.participants).to.deep.equal([
      { orgId: 'bank-a', deliveredAt: null, firstAckAt: null, timeToAcknowledgeSeconds: null, objects: [] },
      {
        orgId: 'bank-b',
        deliveredAt: sent,
        firstAckAt: '2026-03-01T01:02:00.000Z',
        timeToAcknowledgeSeconds: 120,
        // the board: which exercise object, on which channel, acknowledged when and by whom
        objects: [
          {
            objectId: drill,
            channel: 'email',
            deliveredAt: sent,
            acknowledgedAt: '2026-03-01T01:02:00.000Z',
            acknowledgedBy: 'b-soc',
          },
          {
            objectId: drill,
            channel: 'mqtt',
            deliveredAt: sent,
            acknowledgedAt: '2026-03-01T01:05:00.000Z',
            acknowledgedBy: 'b-soc',
          },
        ],
      },
      {
        orgId: 'bank-c',
        deliveredAt: sent,
        firstAckAt: null,
        timeToAcknowledgeSeconds: null,
        // not yet acknowledged; its acknowledged live alert is no part of the board
        objects: [
          { objectId: drill, channel: 'mqtt', deliveredAt: sent, acknowledgedAt: null, acknowledgedBy: null },
        ],
      },
    ]);
  });

  it('an organisation administrator may not create, list or close exercises', async () => {
    const aAdmin = await login(h, 'a-admin');
    await create(aAdmin, body()).expect(403);
    await create(admin, body()).expect(201);
    await request(h.app).get('/api/v1/exercises').set('authorization', aAdmin).expect(403);
    await request(h.app)
      .post('/api/v1/exercises/ex-delta-wall/close')
      .set('authorization', aAdmin)
      .expect(403);
    expect((await h.stores.exercises.get('ex-delta-wall'))?.closedAt).to.equal(undefined);
  });
});
