import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import {
  OBJECTS,
  TAXII,
  TLP,
  marked,
  openHarness,
  postAccepted,
  report,
  type Harness,
  type Member,
} from './taxii-harness.js';

const eventsOf = (id: string): string => `/api/v1/objects/${id}/events`;

describe('GET /api/v1/objects/{id}/events (events, ADR 0045)', () => {
  let h: Harness;
  let a: Member;
  beforeEach(async () => {
    h = openHarness();
    a = await h.member('bank-a', { sector: 'finance' });
  });
  afterEach(() => h.close());

  const get = (auth: string, id: string) =>
    h.http.get(eventsOf(id)).set('Authorization', auth).set('Accept', 'application/json');

  it('a trial member sees a GREEN report with its GREEN members only: hidden AMBER members are neither listed nor counted', async () => {
    const trial = await h.member('shinkin-t', { tier: 'trial' });
    const green = [1, 2, 3].map((i) => marked('green', { pattern: `[ipv4-addr:value = '203.0.113.${i}']` }));
    const amber = [4, 5].map((i) => marked('amber', { pattern: `[ipv4-addr:value = '203.0.113.${i}']` }));
    const r = report([...green, ...amber].map((o) => o['id'] as string));
    await postAccepted(h, a.auth, [...green, ...amber, r]);

    const t = await get(trial.auth, r['id'] as string);
    expect(t.status, t.text).to.equal(200);
    expect(t.body.event).to.deep.include({
      type: 'report',
      kind: 'campaign',
      members: 3,
      byType: { indicator: 3 },
    });
    expect(t.body.event.objects.map((o: { id: string }) => o.id)).to.deep.equal(green.map((o) => o['id']));
    expect(t.body.event.objects[0].observables).to.deep.equal([{ kind: 'ipv4', value: '203.0.113.1' }]);
    for (const o of amber) expect(t.text).to.not.include(o['id']);

    // the same body as in a world where the AMBER members were never submitted
    const clean = openHarness();
    try {
      const a2 = await clean.member('bank-a', { sector: 'finance' });
      const t2 = await clean.member('shinkin-t', { tier: 'trial' });
      await postAccepted(clean, a2.auth, [...green, { ...r, object_refs: green.map((o) => o['id']) }]);
      const t2res = await clean.http
        .get(eventsOf(r['id'] as string))
        .set('Authorization', t2.auth)
        .set('Accept', 'application/json');
      expect(t2res.status).to.equal(200);
      expect(t.body).to.deep.equal(t2res.body);
    } finally {
      await clean.close();
    }

    // a full member sees all five
    const b = await h.member('bank-b');
    const full = await get(b.auth, r['id'] as string);
    expect(full.body.event.members).to.equal(5);
  });

  it('a TAXII read of a report names only the members the reader may see; one naming none is not served', async () => {
    const trial = await h.member('shinkin-t', { tier: 'trial' });
    const green = marked('green');
    const amber = marked('amber');
    const r = report([green['id'] as string, amber['id'] as string]);
    const onlyAmber = report([amber['id'] as string]);
    await postAccepted(h, a.auth, [green, amber, r, onlyAmber]);
    const read = (auth: string, path: string) =>
      h.http.get(path).set('Authorization', auth).set('Accept', TAXII);
    const page = await read(trial.auth, OBJECTS);
    expect(page.status).to.equal(200);
    expect(page.text).to.not.include(amber['id']);
    const got = (page.body.objects as Record<string, unknown>[]).find((o) => o['id'] === r['id'])!;
    expect(got['object_refs']).to.deep.equal([green['id']]);
    expect((page.body.objects as { id: string }[]).map((o) => o.id)).to.not.include(onlyAmber['id']);
    expect((await read(trial.auth, `${OBJECTS}${onlyAmber['id'] as string}/`)).status).to.equal(404);
    // a full member reads both refs
    const b = await h.member('bank-b');
    const one = await read(b.auth, `${OBJECTS}${r['id'] as string}/`);
    expect(one.body.objects[0].object_refs).to.deep.equal([green['id'], amber['id']]);
  });

  it('an AMBER member asked for by a trial member is 404, exactly as an unknown id', async () => {
    const trial = await h.member('shinkin-t', { tier: 'trial' });
    const amber = marked('amber');
    await postAccepted(h, a.auth, [amber, report([amber['id'] as string])]);
    const hidden = await get(trial.auth, amber['id'] as string);
    const unknown = await get(trial.auth, 'indicator--aaaaaaaa-bbbb-4ccc-8ddd-ffffffffffff');
    expect(hidden.status).to.equal(404);
    expect(unknown.status).to.equal(404);
    const strip = (s: string, id: string) => s.replaceAll(id, 'X').replace(/"errorId":"[^"]+"/, '');
    expect(strip(hidden.text, amber['id'] as string)).to.equal(
      strip(unknown.text, 'indicator--aaaaaaaa-bbbb-4ccc-8ddd-ffffffffffff'),
    );
  });

  it('an indicator lists the events it belongs to that the reader may see, with their visible member counts', async () => {
    const trial = await h.member('shinkin-t', { tier: 'trial' });
    const ind = marked('green');
    const other = marked('amber');
    const seen = report([ind['id'] as string, other['id'] as string], { name: 'Seen' });
    const hiddenEvent = report([ind['id'] as string], { name: 'Hidden' }, 'amber');
    await postAccepted(h, a.auth, [ind, other, seen, hiddenEvent]);
    const t = await get(trial.auth, ind['id'] as string);
    expect(t.status).to.equal(200);
    expect(t.body).to.not.have.property('event');
    expect(t.body.events).to.deep.equal([
      {
        id: seen['id'],
        type: 'report',
        tlp: 'green',
        name: 'Seen',
        kind: 'campaign',
        published: seen['published'],
        members: 1,
      },
    ]);
    const full = await get(a.auth, ind['id'] as string);
    expect(full.body.events.map((e: { name: string }) => e.name).sort()).to.deep.equal(['Hidden', 'Seen']);
    expect(full.body.events.find((e: { name: string }) => e.name === 'Seen').members).to.equal(2);
  });

  it('a report submitted after its members (another submission) links them in reads', async () => {
    const members = [marked('green'), marked('green')];
    await postAccepted(h, a.auth, members);
    const g = {
      type: 'grouping',
      spec_version: '2.1',
      id: `grouping--${randomUUID()}`,
      created: '2026-02-02T00:00:00.000Z',
      modified: '2026-02-02T00:00:00.000Z',
      name: 'Incident 2026-02',
      context: 'suspicious-activity',
      object_refs: members.map((o) => (o['id'] as string).toUpperCase().replace('INDICATOR', 'indicator')),
      object_marking_refs: [TLP.green],
    };
    const b = await h.member('bank-b');
    await postAccepted(h, b.auth, [g]);
    const res = await get(a.auth, g.id);
    expect(res.body.event).to.deep.include({ type: 'grouping', kind: 'suspicious-activity', members: 2 });
    const back = await get(a.auth, members[0]!['id'] as string);
    expect(back.body.events.map((e: { id: string }) => e.id)).to.deep.equal([g.id]);
  });

  it('refuses a report whose object_refs is empty or holds a malformed id, naming the property, and stores nothing', async () => {
    for (const refs of [[], ['not-an-id']]) {
      const r = report(refs);
      const res = await h.http
        .post(OBJECTS)
        .set('Authorization', a.auth)
        .set('Accept', TAXII)
        .set('Content-Type', TAXII)
        .send(JSON.stringify({ objects: [r] }));
      expect(res.text).to.include('object_refs');
      expect((await get(a.auth, r['id'] as string)).status).to.equal(404);
    }
  });
});
