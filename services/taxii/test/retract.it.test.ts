import { expect } from 'chai';
import {
  COLLECTION,
  OBJECTS,
  TAXII,
  marked,
  openHarness,
  type Harness,
  type Member,
} from './taxii-harness.js';

/**
 * Issue 14.4 / ADR 0028: an object is taken back by `POST /api/v1/objects/{id}/retract` (what
 * `isac retract` calls) or a TAXII DELETE. Either stores a revoked version through the ingest
 * path (with its distribution job, so the dispatcher sends `remove` and notices); only the
 * submitting organisation's submit-capable principals and hub administrators may. Over real HTTP
 * against the composed taxii service, on SQLite.
 */
describe('retraction by REST and TAXII DELETE (issue 14.4, ADR 0028)', () => {
  let h: Harness;
  let a: Member;
  let b: Member;
  let trial: Member;
  beforeEach(async () => {
    h = openHarness();
    a = await h.member('bank-a');
    b = await h.member('bank-b');
    trial = await h.member('shinkin-t', { tier: 'trial' });
  });
  afterEach(() => h.close());

  const post = async (auth: string, objects: unknown[]): Promise<void> => {
    const res = await h.http
      .post(OBJECTS)
      .set('Authorization', auth)
      .set('Accept', TAXII)
      .set('Content-Type', TAXII)
      .send(JSON.stringify({ objects }));
    expect(res.status, res.text).to.equal(202);
  };
  const retract = (
    id: string,
    auth: string | undefined,
    body: Record<string, unknown> = {},
    agent?: string,
  ) => {
    const req = h.http.post(`/api/v1/objects/${id}/retract`).set('Content-Type', 'application/json');
    if (auth !== undefined) req.set('Authorization', auth);
    if (agent !== undefined) req.set('User-Agent', agent);
    return req.send(JSON.stringify(body));
  };
  const del = (id: string, auth: string | undefined, query = '') => {
    const req = h.http.delete(`${OBJECTS}${id}/${query}`).set('Accept', TAXII);
    if (auth !== undefined) req.set('Authorization', auth);
    return req;
  };
  const versions = async (id: string) =>
    (await h.stores.objects.list(COLLECTION, { limit: 100, match: { id: [id], version: ['all'] } })).items;
  const retractAudit = async () =>
    (await h.stores.audit.list({ action: 'object.retract', limit: 100 })).map((r) => ({
      actor: r.actor,
      target: r.target,
      details: r.details as Record<string, unknown>,
    }));
  const distributeJobs = async () => (await h.stores.jobs.list({ kind: 'distribute', limit: 1000 })).length;
  const basic = (user: string, password: string) =>
    `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

  describe('who may not (negative tests first): nothing is stored', () => {
    let green: Record<string, unknown>;
    let red: Record<string, unknown>;
    beforeEach(async () => {
      green = marked('green');
      red = marked('red');
      await post(a.auth, [green, red]);
    });
    const unchanged = async (): Promise<void> => {
      expect((await versions(green['id'] as string)).length, 'GREEN versions').to.equal(1);
      expect((await versions(red['id'] as string)).length, 'RED versions').to.equal(1);
      expect(await retractAudit(), 'object.retract records').to.deep.equal([]);
      expect(await distributeJobs(), 'distribute jobs (the submission’s only)').to.equal(1);
    };

    it('another member: 403 for an object it can see, 404 for one it cannot (as for an id nobody holds)', async () => {
      expect((await retract(green['id'] as string, b.auth)).status).to.equal(403);
      expect((await del(green['id'] as string, b.auth)).status).to.equal(403);
      const hidden = await retract(red['id'] as string, b.auth);
      const none = await retract('indicator--00000000-0000-4000-8000-000000000000', b.auth);
      expect(hidden.status).to.equal(404);
      expect(none.status).to.equal(404);
      const shape = (body: { error: { message: string } }) =>
        body.error.message.replace(/indicator--[0-9a-f-]+/, 'ID');
      expect(shape(hidden.body), 'hidden and missing read alike').to.equal(shape(none.body));
      expect((await del(red['id'] as string, b.auth)).status).to.equal(404);
      await unchanged();
    });

    it('a trial member: 403 for a GREEN object it can see, 404 for RED', async () => {
      expect((await retract(green['id'] as string, trial.auth)).status).to.equal(403);
      expect((await del(green['id'] as string, trial.auth)).status).to.equal(403);
      expect((await retract(red['id'] as string, trial.auth)).status).to.equal(404);
      await unchanged();
    });

    it('a revoked API key of the submitting organisation: 401', async () => {
      await h.stores.apiKeys.revoke('bank-a', 'key-bank-a', '2026-03-01T00:00:00.000Z');
      expect((await retract(green['id'] as string, a.auth)).status).to.equal(401);
      expect((await del(green['id'] as string, a.auth)).status).to.equal(401);
      await unchanged();
    });

    it('anonymous: 401', async () => {
      expect((await retract(green['id'] as string, undefined)).status).to.equal(401);
      expect((await del(green['id'] as string, undefined)).status).to.equal(401);
      await unchanged();
    });

    it('a reader of the submitting organisation (no submit scope): 403 naming the scope', async () => {
      await h.user('bank-a', 'rita', 'a long reader password', ['reader']);
      const res = await retract(green['id'] as string, basic('rita', 'a long reader password'));
      expect(res.status).to.equal(403);
      expect(res.text).to.match(/submit/);
      await unchanged();
    });

    it("another organisation's admin-scope key is no hub administrator: 403", async () => {
      const x = await h.member('bank-x', { scopes: ['admin', 'read', 'submit'] });
      expect((await retract(green['id'] as string, x.auth)).status).to.equal(403);
      expect((await del(green['id'] as string, x.auth)).status).to.equal(403);
      await unchanged();
    });

    it('a bad reason or an unknown field: 400 naming it', async () => {
      const bad = await retract(green['id'] as string, a.auth, { reason: 'wrong\u202eevil' });
      expect(bad.status).to.equal(400);
      expect(bad.text).to.match(/reason/);
      const extra = await retract(green['id'] as string, a.auth, { reason: 'x', why: 'y' });
      expect(extra.status).to.equal(400);
      expect(extra.text).to.match(/why/);
      const long = await retract(green['id'] as string, a.auth, { reason: 'x'.repeat(1001) });
      expect(long.status).to.equal(400);
      expect(long.text).to.match(/reason/);
      await unchanged();
    });

    it('a TAXII DELETE with a match[version] filter: 400 (an object is retracted as a whole)', async () => {
      const res = await del(green['id'] as string, a.auth, `?match[version]=${green['modified'] as string}`);
      expect(res.status).to.equal(400);
      expect(res.text).to.match(/version/);
      await unchanged();
    });
  });

  describe('who may', () => {
    it('the submitter over REST: a revoked version with a later modified and the reason, stored with its job; audited', async () => {
      const o = marked('green');
      await post(a.auth, [o]);
      h.clock.advance(60_000);
      const res = await retract(o['id'] as string, a.auth, { reason: 'false positive: our own scanner' });
      expect(res.status, res.text).to.equal(200);
      expect(res.body).to.include({ objectId: o['id'], alreadyRetracted: false });
      expect(Date.parse(res.body.version)).to.be.greaterThan(Date.parse(o['modified'] as string));
      const stored = await versions(o['id'] as string);
      expect(stored.map((v) => v.version)).to.have.length(2);
      const revoked = stored.find((v) => v.version === res.body.version)!;
      expect(revoked.object).to.deep.include({
        revoked: true,
        modified: res.body.version,
        pattern: o['pattern'],
        x_isac_retraction: { reason: 'false positive: our own scanner' },
      });
      expect(revoked).to.include({ submitterOrgId: 'bank-a', tlp: 'green', exercise: false });
      expect(revoked.submissionId).to.equal(res.body.statusId);
      expect(await distributeJobs(), 'the retraction has its distribution job').to.equal(2);
      // readers see the revoked version as the latest
      const read = await h.http
        .get(`${OBJECTS}${o['id'] as string}/`)
        .set('Authorization', b.auth)
        .set('Accept', TAXII);
      expect(read.body.objects[0]).to.include({ revoked: true, modified: res.body.version });
      const status = await h.http
        .get(`/api/v1/status/${res.body.statusId as string}`)
        .set('Authorization', a.auth);
      expect(status.status).to.equal(200);
      expect(await retractAudit()).to.deep.equal([
        {
          actor: { orgId: 'bank-a', keyId: 'key-bank-a' },
          target: { kind: 'object', id: o['id'], orgId: 'bank-a' },
          details: {
            collectionId: revoked.collectionId,
            channel: 'rest',
            version: res.body.version,
            alreadyRetracted: false,
            reason: 'false positive: our own scanner',
            statusId: res.body.statusId,
          },
        },
      ]);
    });

    it('isac (its User-Agent) is audited as channel cli; an analyst user of the submitter may retract', async () => {
      await h.user('bank-a', 'ana', 'an analyst password', ['analyst']);
      const o = marked('green');
      await post(a.auth, [o]);
      const res = await retract(o['id'] as string, basic('ana', 'an analyst password'), {}, 'isac-cli/1.0.0');
      expect(res.status, res.text).to.equal(200);
      const [rec] = await retractAudit();
      expect(rec!.actor).to.deep.include({ orgId: 'bank-a', userId: 'u-ana' });
      expect(rec!.details).to.include({ channel: 'cli', alreadyRetracted: false });
      expect(rec!.details).to.not.have.property('reason');
      const revoked = (await versions(o['id'] as string)).find((v) => v.object['revoked'] === true)!;
      expect(revoked.object['x_isac_retraction']).to.deep.equal({});
    });

    it('a TAXII DELETE by the submitter retracts: nothing is erased, the latest version is revoked', async () => {
      const o = marked('amber');
      await post(a.auth, [o]);
      const res = await del(o['id'] as string, a.auth);
      expect(res.status, res.text).to.equal(200);
      const stored = await versions(o['id'] as string);
      expect(stored.map((v) => v.object['revoked'] === true)).to.deep.equal([false, true]);
      const [rec] = await retractAudit();
      expect(rec!.details).to.include({ channel: 'taxii', alreadyRetracted: false });
    });

    it("the hub's administrator retracts another organisation's object: stored as the submitter's, audited with who did it", async () => {
      const hub = await h.member('hub', { scopes: ['admin', 'read', 'submit'] });
      const o = marked('red');
      await post(a.auth, [o]);
      const res = await retract(o['id'] as string, hub.auth, { reason: 'reported by the vendor' });
      expect(res.status, res.text).to.equal(200);
      const revoked = (await versions(o['id'] as string)).find((v) => v.object['revoked'] === true)!;
      expect(revoked).to.include({ submitterOrgId: 'bank-a', tlp: 'red' });
      const [rec] = await retractAudit();
      expect(rec).to.deep.include({
        actor: { orgId: 'hub', keyId: 'key-hub' },
        target: { kind: 'object', id: o['id'], orgId: 'bank-a' },
      });
      expect(rec!.details).to.include({ reason: 'reported by the vendor', channel: 'rest' });
    });

    it('a version whose modified is ahead of the clock is still followed by a later revoked one', async () => {
      const o = marked('green', { modified: '2026-03-01T00:30:00.000Z' }); // 30 min ahead of the clock
      await post(a.auth, [o]);
      const res = await retract(o['id'] as string, a.auth);
      expect(res.status, res.text).to.equal(200);
      expect(res.body.version).to.equal('2026-03-01T00:30:00.001Z');
    });
  });

  describe('a second retraction (ADR 0028: 200 "already retracted")', () => {
    it('answers 200 alreadyRetracted with the first revoked version; stores and schedules nothing; audited', async () => {
      const o = marked('green');
      await post(a.auth, [o]);
      const first = await retract(o['id'] as string, a.auth, { reason: 'first' });
      h.clock.advance(1000);
      const again = await retract(o['id'] as string, a.auth, { reason: 'second' });
      expect(again.status, again.text).to.equal(200);
      expect(again.body).to.deep.equal({
        objectId: o['id'],
        version: first.body.version,
        alreadyRetracted: true,
        reason: 'first',
      });
      expect((await del(o['id'] as string, a.auth)).status).to.equal(200);
      expect((await versions(o['id'] as string)).length).to.equal(2);
      expect(await distributeJobs()).to.equal(2);
      const recs = await retractAudit();
      expect(recs.map((r) => [r.details['channel'], r.details['alreadyRetracted']])).to.deep.equal([
        ['rest', false],
        ['rest', true],
        ['taxii', true],
      ]);
    });

    it('a version the submitter revoked itself (a TIP re-submission) counts as retracted', async () => {
      const o = marked('green');
      await post(a.auth, [o, { ...o, modified: '2026-02-02T00:00:00.000Z', revoked: true }]);
      const res = await retract(o['id'] as string, a.auth);
      expect(res.status).to.equal(200);
      expect(res.body).to.include({ alreadyRetracted: true, version: '2026-02-02T00:00:00.000Z' });
    });
  });
});
