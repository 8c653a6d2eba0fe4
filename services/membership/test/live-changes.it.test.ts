/**
 * Issue 13 point 2 (ADR 0021) at membership's seam: every change that ends a credential reports
 * itself to the process's live sessions and waits for the re-check before it answers, so a
 * connection of this process is already closed when the REST call returns. The revision poll is
 * set to an hour here: only the in-process report can close anything, so a change that forgets to
 * report fails. The store's revision counters must move too (another process polls them).
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { openHarness, type Harness } from './harness.js';
import { addKey, addOrg, addUser, adminLogin, login } from './helpers.js';

/** One live connection registered with the credential it proved, and why it was closed. */
interface Probe {
  readonly name: string;
  closed?: string;
}

describe('membership reports credential changes to live sessions before it answers (ADR 0021)', () => {
  let h: Harness;
  let admin: string;
  let aliceId: string;
  beforeEach(async () => {
    h = await openHarness({ mqttSecret: randomBytes(32), livePollMs: 3_600_000 });
    admin = await adminLogin(h);
    for (const id of ['bank-a', 'bank-b'])
      await addOrg(h, admin, { id, name: id, sector: 'finance', tier: 'full' });
    aliceId = await addUser(h, admin, 'bank-a', 'alice', ['analyst']);
    await addUser(h, admin, 'bank-a', 'bob', ['analyst']);
    await addUser(h, admin, 'bank-b', 'carol', ['analyst']);
  });
  afterEach(() => h.close());

  /** Logs in as an MQTT client would (username = organisation) and registers the connection. */
  async function connect(name: string, orgId: string, password: string): Promise<Probe> {
    const { credential } = await h.auth.mqttSession(orgId, password);
    const probe: Probe = { name };
    h.auth.live.add({ credential, scope: 'subscribe', close: (reason) => (probe.closed = reason) });
    return probe;
  }
  const token = async (username: string): Promise<string> =>
    (await login(h, username)).slice('Bearer '.length);
  const mqttPassword = async (orgId: string): Promise<string> =>
    (
      await request(h.app)
        .post(`/api/v1/orgs/${orgId}/mqtt-credentials`)
        .set('authorization', admin)
        .expect(201)
    ).body.password as string;

  /** Runs `change`; the named probes must be closed when it has answered, the others open. */
  async function expectClosedOnAnswer(
    probes: readonly Probe[],
    change: () => Promise<unknown>,
    closed: readonly string[],
  ): Promise<void> {
    await h.auth.live.recheckAll();
    expect(
      probes.filter((p) => p.closed).map((p) => p.name),
      'closed before the change',
    ).to.deep.equal([]);
    await change();
    expect(
      probes.filter((p) => p.closed).map((p) => p.name),
      'closed when the change has answered',
    ).to.deep.equal(closed);
  }

  it('retiring an organisation closes all its connections, whatever the credential, and moves the organisations revision', async () => {
    const probes = [
      await connect('a-mqtt', 'bank-a', await mqttPassword('bank-a')),
      await connect('a-key', 'bank-a', (await addKey(h, admin, 'bank-a', { scopes: ['subscribe'] })).key),
      await connect('a-token', 'bank-a', await token('alice')),
      await connect('b-mqtt', 'bank-b', await mqttPassword('bank-b')),
      await connect('b-token', 'bank-b', await token('carol')),
    ];
    const before = await h.stores.orgs.revision();
    await expectClosedOnAnswer(
      probes,
      () =>
        request(h.app)
          .post('/api/v1/orgs/bank-a/retire')
          .set('authorization', admin)
          .send({ confirm: 'bank-a' })
          .expect(200),
      ['a-mqtt', 'a-key', 'a-token'],
    );
    expect(probes[0]?.closed).to.match(/retired/);
    expect(await h.stores.orgs.revision()).to.not.equal(before);
  });

  it("an administrator's password reset closes that user's token connections only, and moves the users revision", async () => {
    const probes = [
      await connect('alice-1', 'bank-a', await token('alice')),
      await connect('alice-2', 'bank-a', await token('alice')),
      await connect('bob', 'bank-a', await token('bob')),
      await connect('a-mqtt', 'bank-a', await mqttPassword('bank-a')),
    ];
    h.clock.advance(1000);
    const before = await h.stores.users.revision();
    await expectClosedOnAnswer(
      probes,
      () =>
        request(h.app)
          .post(`/api/v1/orgs/bank-a/users/${aliceId}/reset-password`)
          .set('authorization', admin)
          .send({})
          .expect(200),
      ['alice-1', 'alice-2'],
    );
    expect(probes[0]?.closed).to.match(/revoked/);
    expect(await h.stores.users.revision()).to.not.equal(before);
  });

  it("logging out closes the connections made with the user's tokens, and moves the users revision", async () => {
    const session = await token('alice');
    const probes = [
      await connect('alice-session', 'bank-a', session),
      await connect('alice-other', 'bank-a', await token('alice')),
      await connect('bob', 'bank-a', await token('bob')),
    ];
    h.clock.advance(1000);
    const before = await h.stores.users.revision();
    await expectClosedOnAnswer(
      probes,
      () =>
        request(h.app).delete('/api/v1/auth/session').set('authorization', `Bearer ${session}`).expect(204),
      ['alice-session', 'alice-other'],
    );
    expect(await h.stores.users.revision()).to.not.equal(before);
  });

  it('the earlier changes report too: rotation, key revocation, token revocation, disabling, suspension', async () => {
    const a = await mqttPassword('bank-a');
    const rotated = await connect('rotated', 'bank-a', a);
    await expectClosedOnAnswer(
      [rotated],
      () =>
        request(h.app).post('/api/v1/orgs/bank-a/mqtt-credentials').set('authorization', admin).expect(201),
      ['rotated'],
    );
    const key = await addKey(h, admin, 'bank-a', { scopes: ['subscribe'] });
    const keyed = await connect('key', 'bank-a', key.key);
    await expectClosedOnAnswer(
      [keyed],
      () =>
        request(h.app).delete(`/api/v1/orgs/bank-a/keys/${key.id}`).set('authorization', admin).expect(204),
      ['key'],
    );
    const revoked = await connect('revoked', 'bank-a', await token('alice'));
    h.clock.advance(1000);
    await expectClosedOnAnswer(
      [revoked],
      () =>
        request(h.app)
          .patch(`/api/v1/orgs/bank-a/users/${aliceId}`)
          .set('authorization', admin)
          .send({ revokeTokens: true })
          .expect(200),
      ['revoked'],
    );
    h.clock.advance(1000); // a token issued after the revocation
    const disabled = await connect('disabled', 'bank-a', await token('alice'));
    await expectClosedOnAnswer(
      [disabled],
      () =>
        request(h.app).delete(`/api/v1/orgs/bank-a/users/${aliceId}`).set('authorization', admin).expect(204),
      ['disabled'],
    );
    const suspended = await connect('suspended', 'bank-b', await mqttPassword('bank-b'));
    await expectClosedOnAnswer(
      [suspended],
      () =>
        request(h.app)
          .patch('/api/v1/orgs/bank-b')
          .set('authorization', admin)
          .send({ status: 'suspended' })
          .expect(200),
      ['suspended'],
    );
  });
});
