import { expect } from 'chai';
import { ForbiddenError, ManualClock, UnauthenticatedError, type Org, type Principal } from '@isac/kernel';
import { openSqliteStores, type Stores, type User } from '@isac/store';
import { issueApiKey } from './api-keys.js';
import { Authenticator } from './authenticator.js';
import { orgStanding } from './access.js';
import { hashPassword } from './passwords.js';
import { TokenService, generateSigningKey } from './tokens.js';

const T0 = '2026-03-01T00:00:00.000Z';
const PASSWORD = 'a long enough password';
const config = { issuer: 'isac-hub', audience: 'isac-hub', ttlSeconds: 900 };

function org(id: string, over: Partial<Org> = {}): Org {
  return {
    id,
    name: id,
    sector: 'finance',
    region: '',
    tier: 'full',
    status: 'active',
    contacts: [],
    identityId: `identity--${id}`,
    createdAt: T0,
    updatedAt: T0,
    ...over,
  };
}

async function failsWith(
  p: Promise<Principal>,
  type: typeof UnauthenticatedError | typeof ForbiddenError,
  message?: RegExp,
): Promise<void> {
  try {
    await p;
  } catch (err) {
    expect(err).to.be.instanceOf(type);
    if (message) expect((err as Error).message).to.match(message);
    return;
  }
  expect.fail('the credential was accepted');
}

describe(Authenticator.name, () => {
  let clock: ManualClock;
  let stores: Stores;
  let tokens: TokenService;
  let auth: Authenticator;
  let user: User;
  const basic = (u: string, p: string): string => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
  const tokenFor = (u: User): string =>
    tokens.issue({ sub: u.id, org: u.orgId, roles: u.roles, scopes: ['read'] }, 'j').token;

  beforeEach(async () => {
    clock = new ManualClock(T0);
    stores = openSqliteStores({ path: ':memory:' }, clock);
    tokens = new TokenService([generateSigningKey('k1', T0)], config, clock);
    auth = new Authenticator({
      users: stores.users,
      apiKeys: stores.apiKeys,
      orgs: stores.orgs,
      tokens,
      clock,
      lockout: { maxFailures: 3, lockMinutes: 10, accountMaxFailures: 3 },
    });
    await stores.orgs.create(org('bank-a'));
    user = {
      id: 'u1',
      orgId: 'bank-a',
      username: 'alice',
      passwordHash: await hashPassword(PASSWORD),
      roles: ['analyst'],
      failedLogins: 0,
      disabled: false,
      createdAt: T0,
    };
    await stores.users.create(user);
  });
  afterEach(() => stores.close());

  async function addKey(over: { expiresAt?: string; revokedAt?: string } = {}): Promise<string> {
    const k = issueApiKey();
    await stores.apiKeys.create({
      id: `key-${k.prefix}`,
      orgId: 'bank-a',
      label: '',
      prefix: k.prefix,
      hash: k.hash,
      scopes: ['subscribe'],
      createdAt: T0,
      ...over,
    });
    return k.key;
  }

  describe('bearer tokens', () => {
    it('accepts a valid token and takes roles from the stored user, not the token', async () => {
      const token = tokenFor(user);
      await stores.users.setRoles('bank-a', 'u1', ['reader']);
      const p = await auth.authenticate(`Bearer ${token}`);
      expect(p).to.include({ orgId: 'bank-a', userId: 'u1' });
      expect(p.roles).to.deep.equal(['reader']);
      expect(p.scopes).to.not.include('submit');
    });

    it('rejects a revoked token (issued before tokensValidAfter) but accepts one issued later', async () => {
      const old = tokenFor(user);
      clock.advance(1000);
      await stores.users.revokeTokens('bank-a', 'u1', clock.now().toISOString());
      await failsWith(auth.authenticate(`Bearer ${old}`), UnauthenticatedError, /revoked/);
      clock.advance(1);
      expect((await auth.authenticate(`Bearer ${tokenFor(user)}`)).userId).to.equal('u1');
    });

    it('rejects a token revoked in the same second it was issued', async () => {
      const old = tokenFor(user);
      clock.advance(10);
      await stores.users.revokeTokens('bank-a', 'u1', clock.now().toISOString());
      await failsWith(auth.authenticate(`Bearer ${old}`), UnauthenticatedError, /revoked/);
    });

    it('rejects the token of a disabled or unknown user', async () => {
      const token = tokenFor(user);
      await stores.users.setDisabled('bank-a', 'u1', true, clock.now().toISOString());
      await failsWith(auth.authenticate(`Bearer ${token}`), UnauthenticatedError);
      await failsWith(
        auth.authenticate(`Bearer ${tokenFor({ ...user, id: 'ghost' })}`),
        UnauthenticatedError,
      );
    });

    it('rejects a token whose org claim names another org than the user', async () => {
      await stores.orgs.create(org('bank-b'));
      await failsWith(
        auth.authenticate(`Bearer ${tokenFor({ ...user, orgId: 'bank-b' })}`),
        UnauthenticatedError,
      );
    });

    it('rejects an expired token', async () => {
      const token = tokenFor(user);
      clock.advance(901_000);
      await failsWith(auth.authenticate(`Bearer ${token}`), UnauthenticatedError, /expired/);
    });
  });

  describe('API keys', () => {
    it('accepts a valid key as Bearer or as the Basic password, and records its last use', async () => {
      const key = await addKey();
      const p = await auth.authenticate(`Bearer ${key}`);
      expect(p).to.include({ orgId: 'bank-a' });
      expect(p.roles).to.deep.equal([]);
      expect(p.scopes).to.deep.equal(['subscribe']);
      expect((await auth.authenticate(basic('bank-a', key))).keyId).to.equal(p.keyId);
      expect((await stores.apiKeys.get('bank-a', p.keyId!))?.lastUsedAt).to.equal(T0);
    });

    it('rejects a revoked key', async () => {
      const key = await addKey({ revokedAt: T0 });
      await failsWith(auth.authenticate(`Bearer ${key}`), UnauthenticatedError, /revoked/);
    });

    it('rejects an expired key', async () => {
      const key = await addKey({ expiresAt: '2026-03-02T00:00:00.000Z' });
      expect((await auth.authenticate(`Bearer ${key}`)).orgId).to.equal('bank-a');
      clock.set('2026-03-02T00:00:00.000Z');
      await failsWith(auth.authenticate(`Bearer ${key}`), UnauthenticatedError, /expired/);
    });

    it('rejects a wrong secret with a known prefix, and unknown or malformed keys', async () => {
      const key = await addKey();
      const wrong = `${key.slice(0, 'isac_'.length + 13)}${'B'.repeat(43)}`;
      await failsWith(auth.authenticate(`Bearer ${wrong}`), UnauthenticatedError, /unknown API key/);
      await failsWith(
        auth.authenticate(`Bearer ${issueApiKey().key}`),
        UnauthenticatedError,
        /unknown API key/,
      );
      await failsWith(auth.authenticate('Bearer isac_nope'), UnauthenticatedError);
    });
  });

  describe('passwords and lockout', () => {
    it('accepts the right password over Basic', async () => {
      expect((await auth.authenticate(basic('alice', PASSWORD))).userId).to.equal('u1');
    });

    it('answers the same for an unknown user and a wrong password', async () => {
      await failsWith(
        auth.authenticate(basic('nobody', PASSWORD)),
        UnauthenticatedError,
        /wrong username or password/,
      );
      await failsWith(
        auth.authenticate(basic('alice', 'wrong')),
        UnauthenticatedError,
        /wrong username or password/,
      );
    });

    it('locks the account after accountMaxFailures failures from any addresses, even against the right password, until the lock ends', async () => {
      for (let i = 0; i < 3; i++)
        await failsWith(
          auth.authenticate(basic('alice', `wrong-${i}`), { source: `10.0.0.${i}` }),
          UnauthenticatedError,
        );
      await failsWith(
        auth.authenticate(basic('alice', PASSWORD), { source: '10.0.0.9' }),
        UnauthenticatedError,
        /locked/,
      );
      clock.advance(9 * 60_000);
      await failsWith(
        auth.authenticate(basic('alice', PASSWORD), { source: '10.0.0.9' }),
        UnauthenticatedError,
        /locked/,
      );
      clock.advance(60_001);
      expect((await auth.authenticate(basic('alice', PASSWORD), { source: '10.0.0.9' })).userId).to.equal(
        'u1',
      );
      const after = await stores.users.get('bank-a', 'u1');
      expect(after?.failedLogins).to.equal(0);
      expect(after?.lockedUntil).to.equal(undefined);
    });

    it('resets the failure count after a success', async () => {
      await failsWith(auth.authenticate(basic('alice', 'wrong')), UnauthenticatedError);
      await failsWith(auth.authenticate(basic('alice', 'wrong')), UnauthenticatedError);
      await auth.authenticate(basic('alice', PASSWORD));
      await failsWith(auth.authenticate(basic('alice', 'wrong')), UnauthenticatedError);
      await failsWith(auth.authenticate(basic('alice', 'wrong')), UnauthenticatedError);
      expect((await auth.authenticate(basic('alice', PASSWORD))).userId).to.equal('u1');
    });

    it('rejects a disabled user', async () => {
      await stores.users.setDisabled('bank-a', 'u1', true, clock.now().toISOString());
      await failsWith(auth.authenticate(basic('alice', PASSWORD)), UnauthenticatedError);
    });
  });

  describe('organisations that may not act', () => {
    it('refuses tokens, keys and passwords of a suspended organisation', async () => {
      const token = tokenFor(user);
      const key = await addKey();
      await stores.orgs.update(org('bank-a', { status: 'suspended' }));
      await failsWith(auth.authenticate(`Bearer ${token}`), ForbiddenError, /suspended/);
      await failsWith(auth.authenticate(`Bearer ${key}`), ForbiddenError, /suspended/);
      await failsWith(auth.authenticate(basic('alice', PASSWORD)), ForbiddenError, /suspended/);
    });

    it('refuses an organisation whose trial has ended', async () => {
      await stores.orgs.update(
        org('bank-a', { tier: 'trial', trial: { startsAt: T0, endsAt: '2026-03-10T00:00:00.000Z' } }),
      );
      const key = await addKey();
      expect((await auth.authenticate(`Bearer ${key}`)).orgId).to.equal('bank-a');
      clock.set('2026-03-10T00:00:00.000Z');
      await failsWith(auth.authenticate(`Bearer ${key}`), ForbiddenError, /trial/);
      await failsWith(auth.authenticate(`Bearer ${tokenFor(user)}`), ForbiddenError, /trial/);
    });

    it('orgStanding (re-exported by the access module): a trial without dates is not in good standing', () => {
      expect(orgStanding(org('x', { tier: 'trial' }), new Date(T0)).ok).to.equal(false);
      expect(orgStanding(org('x'), new Date(T0)).ok).to.equal(true);
    });

    it('refuses an organisation whose trial has not started yet (orgIsActive ignored startsAt)', async () => {
      const later = { startsAt: '2026-03-05T00:00:00.000Z', endsAt: '2026-04-01T00:00:00.000Z' };
      await stores.orgs.update(org('bank-a', { tier: 'trial', trial: later }));
      const key = await addKey();
      await failsWith(auth.authenticate(`Bearer ${key}`), ForbiddenError, /trial .* starts at/);
      await failsWith(auth.authenticate(basic('alice', PASSWORD)), ForbiddenError, /starts at/);
      clock.set(later.startsAt);
      expect((await auth.authenticate(`Bearer ${key}`)).orgId).to.equal('bank-a');
    });

    it('lets an ended trial act during the grace period, and not after', async () => {
      const graced = new Authenticator({
        users: stores.users,
        apiKeys: stores.apiKeys,
        orgs: stores.orgs,
        tokens,
        clock,
        standing: { trialGraceDays: 2 },
      });
      await stores.orgs.update(
        org('bank-a', { tier: 'trial', trial: { startsAt: T0, endsAt: '2026-03-10T00:00:00.000Z' } }),
      );
      const key = await addKey();
      clock.set('2026-03-11T23:59:59.999Z');
      expect((await graced.authenticate(`Bearer ${key}`)).orgId).to.equal('bank-a');
      await failsWith(auth.authenticate(`Bearer ${key}`), ForbiddenError, /trial/);
      clock.set('2026-03-12T00:00:00.000Z');
      await failsWith(graced.authenticate(`Bearer ${key}`), ForbiddenError, /trial .* has ended/);
    });
  });

  it('requires credentials and a known scheme', async () => {
    await failsWith(auth.authenticate(undefined), UnauthenticatedError, /required/);
    await failsWith(auth.authenticate('Digest abc'), UnauthenticatedError, /unsupported/);
    await failsWith(
      auth.authenticate(`Basic ${Buffer.from('no-colon').toString('base64')}`),
      UnauthenticatedError,
      /malformed/,
    );
  });
});
