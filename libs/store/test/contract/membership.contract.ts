import { expect } from 'chai';
import type { Org, Subscription } from '@isac/kernel';
import type { ApiKey, RefreshToken, User } from '../../src/index.js';
import { rejection, type OpenHarness, type StoreHarness } from './harness.js';

export const org = (id: string, over: Partial<Org> = {}): Org => ({
  id,
  name: `Org ${id}`,
  sector: 'finance',
  region: 'JP-13',
  tier: 'full',
  status: 'active',
  contacts: [`soc@${id}.example`],
  identityId: `identity--${id}`,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  ...over,
});
const user = (id: string, orgId: string, username = id): User => ({
  id,
  orgId,
  username,
  passwordHash: 'scrypt$x',
  roles: ['analyst'],
  failedLogins: 0,
  disabled: false,
  createdAt: '2026-01-01T00:00:00.000Z',
});
const key = (id: string, orgId: string): ApiKey => ({
  id,
  orgId,
  label: 'feed',
  prefix: `p${id}`,
  hash: 'h',
  scopes: ['submit'],
  createdAt: '2026-01-01T00:00:00.000Z',
});
const POLICY = { maxFailures: 5, lockMs: 15 * 60_000 };
const sub = (id: string, orgId: string, channel: 'mqtt' | 'email' = 'mqtt'): Subscription => ({
  id,
  orgId,
  channel,
  filters: { objectTypes: ['indicator'] },
  createdAt: '2026-01-01T00:00:00.000Z',
});

export function membershipContract(name: string, open: OpenHarness): void {
  describe(`Membership stores contract (${name})`, () => {
    let h: StoreHarness;
    beforeEach(async () => {
      h = await open();
      await h.stores.orgs.create(org('bank-a'));
      await h.stores.orgs.create(org('bank-b'));
    });
    afterEach(() => h.close());

    describe('OrgStore', () => {
      it('creates, reads, lists and updates organisations', async () => {
        expect(await h.stores.orgs.get('bank-a')).to.deep.equal(org('bank-a'));
        expect((await h.stores.orgs.getByIdentityId('identity--bank-b'))?.id).to.equal('bank-b');
        expect((await h.stores.orgs.list()).map((o) => o.id)).to.deep.equal(['bank-a', 'bank-b']);
        await h.stores.orgs.update(org('bank-a', { tier: 'trial', name: 'Renamed' }));
        expect(await h.stores.orgs.get('bank-a')).to.include({ tier: 'trial', name: 'Renamed' });
        expect(await h.stores.orgs.get('nope')).to.equal(undefined);
      });
      it('keeps block-list promotion settings (ADR 0030) and clears them', async () => {
        const blocklist = { minConfidence: 70, approval: true };
        await h.stores.orgs.update(org('bank-a', { blocklist }));
        expect((await h.stores.orgs.get('bank-a'))?.blocklist).to.deep.equal(blocklist);
        expect((await h.stores.orgs.list()).find((o) => o.id === 'bank-a')?.blocklist).to.deep.equal(
          blocklist,
        );
        await h.stores.orgs.update(org('bank-a'));
        expect(await h.stores.orgs.get('bank-a')).to.not.have.property('blocklist');
      });
      it('moves the organisation and subscription revisions on every change, and only then', async () => {
        const o0 = await h.stores.orgs.revision();
        const s0 = await h.stores.subscriptions.revision();
        await h.stores.orgs.update(org('bank-a', { status: 'suspended' }));
        const o1 = await h.stores.orgs.revision();
        expect(o1).to.not.equal(o0);
        await h.stores.orgs.create(org('bank-c'));
        expect(await h.stores.orgs.revision()).to.not.equal(o1);
        expect(await h.stores.subscriptions.revision()).to.equal(s0);
        await h.stores.subscriptions.create(sub('s1', 'bank-a'));
        const s1 = await h.stores.subscriptions.revision();
        expect(s1).to.not.equal(s0);
        await h.stores.subscriptions.remove('bank-a', 's1');
        expect(await h.stores.subscriptions.revision()).to.not.equal(s1);
        const o2 = await h.stores.orgs.revision();
        await h.stores.orgs.list();
        expect(await h.stores.orgs.revision()).to.equal(o2);
      });

      it('reports a taken id or name as conflict and a missing org as not_found', async () => {
        expect(
          (await rejection(h.stores.orgs.create(org('bank-a', { name: 'Other', identityId: 'identity--x' }))))
            .code,
        ).to.equal('conflict');
        expect(
          (
            await rejection(
              h.stores.orgs.create(org('bank-z', { name: 'Org bank-a', identityId: 'identity--y' })),
            )
          ).code,
        ).to.equal('conflict');
        expect((await rejection(h.stores.orgs.update(org('bank-a', { name: 'Org bank-b' })))).code).to.equal(
          'conflict',
        );
        expect((await rejection(h.stores.orgs.update(org('bank-z')))).code).to.equal('not_found');
      });
    });

    describe('UserStore', () => {
      it('keeps usernames unique across the hub and scopes reads by organisation', async () => {
        await h.stores.users.create(user('u1', 'bank-a', 'alice'));
        expect((await rejection(h.stores.users.create(user('u2', 'bank-b', 'alice')))).code).to.equal(
          'conflict',
        );
        expect((await h.stores.users.getByUsername('alice'))?.id).to.equal('u1');
        expect(await h.stores.users.get('bank-a', 'u1')).to.deep.equal(user('u1', 'bank-a', 'alice'));
        expect(await h.stores.users.get('bank-b', 'u1'), 'another org').to.equal(undefined);
        expect(await h.stores.users.listForOrg('bank-b')).to.deep.equal([]);
        expect(await h.stores.users.count()).to.equal(1);
      });
      it('has no whole-record write: each change touches its own fields, and never another organisation', async () => {
        expect(h.stores.users).to.not.have.property('update');
        await h.stores.users.create(user('u1', 'bank-a', 'alice'));
        const at = '2026-03-01T00:00:00.000Z';
        expect(await h.stores.users.setPassword('bank-b', 'u1', 'scrypt$other', at), 'another org').to.equal(
          undefined,
        );
        expect(await h.stores.users.setDisabled('bank-b', 'u1', true, at)).to.equal(undefined);
        expect(await h.stores.users.revokeTokens('bank-b', 'u1', at)).to.equal(undefined);
        expect(await h.stores.users.setRoles('bank-b', 'u1', ['hub-admin'])).to.equal(undefined);
        expect(await h.stores.users.recordFailedLogin('bank-b', 'u1', at, POLICY)).to.equal(undefined);
        expect(await h.stores.users.get('bank-a', 'u1')).to.deep.equal(user('u1', 'bank-a', 'alice'));

        const roles = await h.stores.users.setRoles('bank-a', 'u1', ['org-admin']);
        expect(roles).to.include({ revision: 1, passwordHash: 'scrypt$x' });
        expect(roles?.roles).to.deep.equal(['org-admin']);
        const pw = await h.stores.users.setPassword('bank-a', 'u1', 'scrypt$new', at);
        expect(pw).to.include({ passwordHash: 'scrypt$new', tokensValidAfter: at, revision: 2 });
        expect(pw?.roles).to.deep.equal(['org-admin']);
        // A revocation never moves back to an earlier time.
        const later = '2026-03-02T00:00:00.000Z';
        expect(await h.stores.users.revokeTokens('bank-a', 'u1', later)).to.include({
          tokensValidAfter: later,
        });
        expect(await h.stores.users.setDisabled('bank-a', 'u1', true, at)).to.include({
          disabled: true,
          tokensValidAfter: later,
          revision: 4,
        });
        expect(await h.stores.users.setDisabled('bank-a', 'u1', false, at)).to.include({ disabled: false });
        expect(await h.stores.users.get('bank-a', 'u1')).to.include({
          username: 'alice',
          passwordHash: 'scrypt$new',
          revision: 5,
        });
      });
      it('counts failed logins atomically and locks after exactly maxFailures, then refuses without counting', async () => {
        await h.stores.users.create(user('u1', 'bank-a', 'alice'));
        const at = '2026-03-01T00:00:00.000Z';
        const attempts = await Promise.all(
          Array.from({ length: 50 }, () => h.stores.users.recordFailedLogin('bank-a', 'u1', at, POLICY)),
        );
        const counted = attempts.filter((a) => a && !a.refused);
        expect(counted, 'attempts that may check the password').to.have.length(POLICY.maxFailures);
        expect(counted.map((a) => a!.failedLogins).sort((a, b) => a - b)).to.deep.equal([1, 2, 3, 4, 5]);
        const lockedUntil = '2026-03-01T00:15:00.000Z';
        expect(attempts.filter((a) => a?.refused).every((a) => a!.lockedUntil === lockedUntil)).to.equal(
          true,
        );
        expect(await h.stores.users.get('bank-a', 'u1')).to.include({ failedLogins: 5, lockedUntil });
        // An expired lock starts a fresh count.
        const after = '2026-03-01T00:15:00.001Z';
        expect(await h.stores.users.recordFailedLogin('bank-a', 'u1', after, POLICY)).to.deep.equal({
          refused: false,
          failedLogins: 1,
        });
        expect((await h.stores.users.get('bank-a', 'u1'))?.lockedUntil).to.equal(undefined);
      });
      it('records a success only while the verified password is current and the user enabled (compare-and-swap)', async () => {
        await h.stores.users.create(user('u1', 'bank-a', 'alice'));
        const at = '2026-03-01T00:00:00.000Z';
        for (let i = 0; i < 5; i++) await h.stores.users.recordFailedLogin('bank-a', 'u1', at, POLICY);
        const ok = await h.stores.users.recordSuccessfulLogin('bank-a', 'u1', 'scrypt$x');
        expect(ok?.failedLogins).to.equal(0);
        expect(ok?.lockedUntil).to.equal(undefined);
        expect(ok?.revision, 'a login is not a change to the account').to.equal(undefined);
        expect(await h.stores.users.recordSuccessfulLogin('bank-a', 'u1', 'scrypt$stale')).to.equal(
          undefined,
        );
        await h.stores.users.setDisabled('bank-a', 'u1', true, at);
        expect(await h.stores.users.recordSuccessfulLogin('bank-a', 'u1', 'scrypt$x'), 'disabled').to.equal(
          undefined,
        );
        await h.stores.users.recordFailedLogin('bank-a', 'u1', at, POLICY);
        expect(await h.stores.users.unlock('bank-a', 'u1')).to.include({ failedLogins: 0, disabled: true });
      });
      it('moves the users revision when what an account may do changes (any process sees it), not on logins', async () => {
        await h.stores.users.create(user('u1', 'bank-a', 'alice'));
        const at = '2026-03-01T00:00:00.000Z';
        let last = await h.stores.users.revision();
        const moved = async (what: string, change: () => Promise<unknown>, expected: boolean) => {
          await change();
          const now = await h.stores.users.revision();
          expect(now !== last, what).to.equal(expected);
          last = now;
        };
        await moved(
          'failed login',
          () => h.stores.users.recordFailedLogin('bank-a', 'u1', at, POLICY),
          false,
        );
        await moved(
          'successful login',
          () => h.stores.users.recordSuccessfulLogin('bank-a', 'u1', 'scrypt$x'),
          false,
        );
        await moved('unlock', () => h.stores.users.unlock('bank-a', 'u1'), false);
        await moved('another organisation', () => h.stores.users.revokeTokens('bank-b', 'u1', at), false);
        await moved('password', () => h.stores.users.setPassword('bank-a', 'u1', 'scrypt$n', at), true);
        await moved('token revocation', () => h.stores.users.revokeTokens('bank-a', 'u1', at), true);
        await moved('roles', () => h.stores.users.setRoles('bank-a', 'u1', ['org-admin']), true);
        await moved('disabling', () => h.stores.users.setDisabled('bank-a', 'u1', true, at), true);
      });
      it('refuses a user of an organisation that does not exist', async () => {
        expect((await rejection(h.stores.users.create(user('u9', 'ghost')))).code).to.equal('conflict');
      });
    });

    describe('ApiKeyStore', () => {
      it('finds a key by prefix, scopes reads by organisation and revokes only its own', async () => {
        await h.stores.apiKeys.create(key('k1', 'bank-a'));
        expect(
          (await rejection(h.stores.apiKeys.create({ ...key('k2', 'bank-a'), prefix: 'pk1' }))).code,
        ).to.equal('conflict');
        expect((await h.stores.apiKeys.getByPrefix('pk1'))?.id).to.equal('k1');
        expect(await h.stores.apiKeys.get('bank-b', 'k1')).to.equal(undefined);
        expect(await h.stores.apiKeys.listForOrg('bank-b')).to.deep.equal([]);
        expect(
          await h.stores.apiKeys.revoke('bank-b', 'k1', '2026-03-01T00:00:00.000Z'),
          'another org',
        ).to.equal(false);
        expect((await h.stores.apiKeys.get('bank-a', 'k1'))?.revokedAt).to.equal(undefined);
        expect(await h.stores.apiKeys.revoke('bank-a', 'k1', '2026-03-01T00:00:00.000Z')).to.equal(true);
        expect(await h.stores.apiKeys.revoke('bank-a', 'k1', '2026-04-01T00:00:00.000Z')).to.equal(true);
        expect((await h.stores.apiKeys.get('bank-a', 'k1'))?.revokedAt).to.equal('2026-03-01T00:00:00.000Z');
        await h.stores.apiKeys.touch('k1', '2026-03-02T00:00:00.000Z');
        expect((await h.stores.apiKeys.getByPrefix('pk1'))?.lastUsedAt).to.equal('2026-03-02T00:00:00.000Z');
      });
      it('moves the API keys revision on a revocation, not on use', async () => {
        await h.stores.apiKeys.create(key('k1', 'bank-a'));
        const r0 = await h.stores.apiKeys.revision();
        await h.stores.apiKeys.touch('k1', '2026-03-01T00:00:01.000Z');
        await h.stores.apiKeys.revoke('bank-b', 'k1', '2026-03-01T00:00:00.000Z');
        expect(await h.stores.apiKeys.revision(), 'use, or another organisation').to.equal(r0);
        await h.stores.apiKeys.revoke('bank-a', 'k1', '2026-03-01T00:00:00.000Z');
        expect(await h.stores.apiKeys.revision()).to.not.equal(r0);
      });
      it('never resurrects a revoked key: touch and revoke race', async () => {
        await h.stores.apiKeys.create(key('k1', 'bank-a'));
        const at = '2026-03-01T00:00:00.000Z';
        await Promise.all([
          h.stores.apiKeys.touch('k1', '2026-03-01T00:00:01.000Z'),
          h.stores.apiKeys.revoke('bank-a', 'k1', at),
          h.stores.apiKeys.touch('k1', '2026-03-01T00:00:02.000Z'),
        ]);
        const k = await h.stores.apiKeys.get('bank-a', 'k1');
        expect(k).to.include({ revokedAt: at, lastUsedAt: '2026-03-01T00:00:02.000Z' });
      });
    });

    describe('RefreshTokenStore', () => {
      const rt = (hash: string, familyId = 'f1'): RefreshToken => ({
        hash,
        familyId,
        orgId: 'bank-a',
        userId: 'u1',
        createdAt: '2026-03-01T00:00:00.000Z',
        idleExpiresAt: '2026-03-01T12:00:00.000Z',
        familyCreatedAt: '2026-03-01T00:00:00.000Z',
        absoluteExpiresAt: '2026-03-08T00:00:00.000Z',
      });
      const next = (hash: string, createdAt = '2026-03-01T01:00:00.000Z') => ({
        hash,
        createdAt,
        idleExpiresAt: '2026-03-01T13:00:00.000Z',
      });
      it('stores a family, rotates a token once and keeps the family', async () => {
        await h.stores.refreshTokens.create(rt('h1'));
        expect(await h.stores.refreshTokens.get('h1')).to.deep.equal(rt('h1'));
        expect((await rejection(h.stores.refreshTokens.create(rt('h1', 'f2')))).code).to.equal('conflict');
        const n = await h.stores.refreshTokens.rotate('h1', '2026-03-01T01:00:00.000Z', next('h2'));
        expect(n).to.deep.equal({ ...rt('h2'), ...next('h2') });
        expect((await h.stores.refreshTokens.get('h1'))?.rotatedAt).to.equal('2026-03-01T01:00:00.000Z');
        expect(
          await h.stores.refreshTokens.rotate('h1', '2026-03-01T02:00:00.000Z', next('h3')),
          'a rotated token',
        ).to.equal(undefined);
        expect(await h.stores.refreshTokens.get('h3')).to.equal(undefined);
        expect(await h.stores.refreshTokens.rotate('nope', '2026-03-01T02:00:00.000Z', next('h4'))).to.equal(
          undefined,
        );
      });
      it('lets one of concurrent rotations of a token win', async () => {
        await h.stores.refreshTokens.create(rt('h1'));
        const results = await Promise.all(
          ['a', 'b', 'c', 'd', 'e'].map((x) =>
            h.stores.refreshTokens.rotate('h1', '2026-03-01T01:00:00.000Z', next(`n-${x}`)),
          ),
        );
        expect(results.filter((r) => r !== undefined)).to.have.length(1);
      });
      it('revokes the whole family: no token of it rotates afterwards', async () => {
        await h.stores.refreshTokens.create(rt('h1'));
        await h.stores.refreshTokens.create(rt('other', 'f2'));
        await h.stores.refreshTokens.rotate('h1', '2026-03-01T01:00:00.000Z', next('h2'));
        await h.stores.refreshTokens.revokeFamily('f1', '2026-03-01T02:00:00.000Z');
        await h.stores.refreshTokens.revokeFamily('f1', '2026-03-01T03:00:00.000Z');
        expect((await h.stores.refreshTokens.get('h2'))?.familyRevokedAt).to.equal(
          '2026-03-01T02:00:00.000Z',
        );
        expect((await h.stores.refreshTokens.get('h1'))?.familyRevokedAt).to.equal(
          '2026-03-01T02:00:00.000Z',
        );
        expect(await h.stores.refreshTokens.rotate('h2', '2026-03-01T04:00:00.000Z', next('h3'))).to.equal(
          undefined,
        );
        expect((await h.stores.refreshTokens.get('other'))?.familyRevokedAt, 'another family').to.equal(
          undefined,
        );
      });
      it('purges ended families and idle-expired tokens, keeping the rest', async () => {
        await h.stores.refreshTokens.create(rt('h1'));
        await h.stores.refreshTokens.create({
          ...rt('old', 'f0'),
          absoluteExpiresAt: '2026-03-01T06:00:00.000Z',
        });
        await h.stores.refreshTokens.create({
          ...rt('idle', 'f3'),
          idleExpiresAt: '2026-03-01T05:00:00.000Z',
        });
        expect(await h.stores.refreshTokens.purge('2026-03-01T07:00:00.000Z')).to.equal(1);
        expect(await h.stores.refreshTokens.get('old')).to.equal(undefined);
        expect(await h.stores.refreshTokens.get('idle')).to.equal(undefined);
        expect(await h.stores.refreshTokens.get('h1')).to.deep.equal(rt('h1'));
      });
    });

    describe('SubscriptionStore', () => {
      it('scopes subscriptions by organisation and lists them by channel for the dispatcher', async () => {
        await h.stores.subscriptions.create(sub('s1', 'bank-a'));
        await h.stores.subscriptions.create(sub('s2', 'bank-b', 'email'));
        await h.stores.subscriptions.create(sub('s3', 'bank-b'));
        expect((await rejection(h.stores.subscriptions.create(sub('s1', 'bank-b')))).code).to.equal(
          'conflict',
        );
        expect(await h.stores.subscriptions.get('bank-a', 's1')).to.deep.equal(sub('s1', 'bank-a'));
        expect(await h.stores.subscriptions.get('bank-b', 's1')).to.equal(undefined);
        expect((await h.stores.subscriptions.listForOrg('bank-b')).map((s) => s.id)).to.deep.equal([
          's2',
          's3',
        ]);
        expect((await h.stores.subscriptions.listByChannel('mqtt')).map((s) => s.id)).to.deep.equal([
          's1',
          's3',
        ]);
        expect(await h.stores.subscriptions.remove('bank-b', 's1'), 'another org').to.equal(false);
        expect(await h.stores.subscriptions.remove('bank-a', 's1')).to.equal(true);
        expect(await h.stores.subscriptions.get('bank-a', 's1')).to.equal(undefined);
      });
    });

    describe('StatusStore', () => {
      it('keeps a status resource for its organisation only', async () => {
        const st = {
          id: 'st1',
          orgId: 'bank-a',
          status: 'pending' as const,
          requestTimestamp: '2026-03-01T00:00:00.000Z',
          totalCount: 2,
          successes: [],
          failures: [],
          pendings: [{ id: 'indicator--a', version: '2026-01-01T00:00:00Z' }],
        };
        await h.stores.statuses.put(st);
        await h.stores.statuses.put({ ...st, status: 'complete', pendings: [], successes: st.pendings });
        expect(await h.stores.statuses.get('bank-a', 'st1')).to.include({ status: 'complete' });
        expect(await h.stores.statuses.get('bank-b', 'st1')).to.equal(undefined);
        expect((await rejection(h.stores.statuses.put({ ...st, orgId: 'bank-b' }))).code).to.equal(
          'conflict',
        );
        expect(await h.stores.statuses.get('bank-a', 'st1')).to.include({
          status: 'complete',
          orgId: 'bank-a',
        });
      });
    });

    describe('AuditLog', () => {
      it('appends records in order and lists them by the organisation that acted or was acted on', async () => {
        await h.stores.audit.append([
          {
            at: '2026-03-01T00:00:00.000Z',
            actor: { orgId: 'bank-a', userId: 'u1' },
            action: 'object.submit',
            target: { kind: 'submission', id: 'st-a', orgId: 'bank-a' },
            outcome: 'ok',
            details: { collectionId: 'c1', channel: 'taxii', total: 1, succeeded: 1, failed: 0, stored: 1 },
          },
          {
            at: '2026-03-01T00:00:01.000Z',
            actor: { system: true },
            action: 'org.status_change',
            target: { kind: 'org', id: 'bank-b', orgId: 'bank-b' },
            outcome: 'ok',
            details: { from: 'active', to: 'suspended' },
          },
        ]);
        await h.stores.audit.append([
          {
            at: '2026-03-01T00:00:02.000Z',
            actor: { orgId: 'bank-a' },
            action: 'object.release',
            target: { kind: 'object', id: 'x', orgId: 'bank-b' },
            outcome: 'denied',
            details: { version: 'v1', channel: 'email', alertId: 'a1', tlp: 'green' },
          },
        ]);
        const all = await h.stores.audit.list({ limit: 10 });
        expect(all.map((r) => r.action)).to.deep.equal([
          'object.submit',
          'org.status_change',
          'object.release',
        ]);
        expect(all[1]!.details).to.deep.equal({ from: 'active', to: 'suspended' });
        for (let i = 1; i < all.length; i++) expect(all[i]!.seq).to.be.greaterThan(all[i - 1]!.seq);
        expect(
          (await h.stores.audit.list({ orgId: 'bank-a', limit: 10 })).map((r) => r.action),
        ).to.deep.equal(['object.submit', 'object.release']);
        expect(
          (await h.stores.audit.list({ orgId: 'bank-b', limit: 10 })).map((r) => r.action),
        ).to.deep.equal(['org.status_change', 'object.release']);
        expect(
          (await h.stores.audit.list({ action: 'org.status_change', limit: 10 })).map((r) => r.target.id),
        ).to.deep.equal(['bank-b']);
        expect((await h.stores.audit.list({ since: '2026-03-01T00:00:01.000Z', limit: 10 })).length).to.equal(
          2,
        );
        expect(
          (await h.stores.audit.list({ afterSeq: all[0]!.seq, limit: 1 })).map((r) => r.action),
        ).to.deep.equal(['org.status_change']);
      });
      it('has no way to change or remove a record', () => {
        const methods = Object.getOwnPropertyNames(Object.getPrototypeOf(h.stores.audit) as object).filter(
          (m) => m !== 'constructor',
        );
        expect(methods.filter((m) => /update|delete|remove|clear|truncate/i.test(m))).to.deep.equal([]);
      });
    });
  });
}
