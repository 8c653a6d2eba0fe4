import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { ForbiddenError, ManualClock, UnauthenticatedError, type Org } from '@isac/kernel';
import { openSqliteStores, type Stores } from '@isac/store';
import { issueApiKey } from './api-keys.js';
import { Authenticator } from './authenticator.js';
import { mqttPassword, mqttPasswordMatches } from './mqtt-credentials.js';
import { TokenService, generateSigningKey } from './tokens.js';

const T0 = '2026-03-01T00:00:00.000Z';
const org = (id: string, over: Partial<Org> = {}): Org => ({
  id,
  name: id,
  sector: 'telecom',
  region: '',
  tier: 'full',
  status: 'active',
  contacts: [],
  identityId: `identity--${id}`,
  createdAt: T0,
  updatedAt: T0,
  mqttCredential: { generation: 2, issuedAt: T0 },
  ...over,
});

describe('MQTT credentials', () => {
  const secret = randomBytes(32);
  let stores: Stores;
  let auth: Authenticator;
  let clock: ManualClock;

  beforeEach(async () => {
    clock = new ManualClock(T0);
    stores = openSqliteStores({ path: ':memory:' }, clock);
    const tokens = new TokenService(
      [generateSigningKey('k1', T0)],
      { issuer: 'i', audience: 'a', ttlSeconds: 60 },
      clock,
    );
    auth = new Authenticator({
      users: stores.users,
      apiKeys: stores.apiKeys,
      orgs: stores.orgs,
      tokens,
      clock,
      mqttSecret: secret,
    });
    await stores.orgs.create(org('telco-a'));
    await stores.orgs.create(org('bank-b', { identityId: 'identity--bank-b' }));
  });
  afterEach(() => stores.close());

  const rejects = async (
    p: Promise<unknown>,
    type: typeof UnauthenticatedError | typeof ForbiddenError,
  ): Promise<void> => {
    try {
      await p;
    } catch (err) {
      expect(err).to.be.instanceOf(type);
      return;
    }
    expect.fail('accepted');
  };

  it('derives a password per organisation and generation', () => {
    expect(mqttPassword(secret, 'telco-a', 2)).to.not.equal(mqttPassword(secret, 'telco-a', 3));
    expect(mqttPassword(secret, 'telco-a', 2)).to.not.equal(mqttPassword(secret, 'bank-b', 2));
    expect(mqttPasswordMatches(secret, 'telco-a', 2, mqttPassword(secret, 'telco-a', 2))).to.equal(true);
    expect(mqttPasswordMatches(randomBytes(32), 'telco-a', 2, mqttPassword(secret, 'telco-a', 2))).to.equal(
      false,
    );
  });

  it('logs an organisation in with its current password, for subscribing only', async () => {
    const p = await auth.mqttLogin('telco-a', mqttPassword(secret, 'telco-a', 2));
    expect(p).to.deep.equal({ orgId: 'telco-a', roles: [], scopes: ['subscribe'] });
  });

  it('refuses an earlier generation, another organisation, and a hub without the secret', async () => {
    await rejects(auth.mqttLogin('telco-a', mqttPassword(secret, 'telco-a', 1)), UnauthenticatedError);
    await rejects(auth.mqttLogin('bank-b', mqttPassword(secret, 'telco-a', 2)), UnauthenticatedError);
    await rejects(auth.mqttLogin('nobody', mqttPassword(secret, 'nobody', 2)), UnauthenticatedError);
    const tokens = new TokenService(
      [generateSigningKey('k1', T0)],
      { issuer: 'i', audience: 'a', ttlSeconds: 60 },
      clock,
    );
    const without = new Authenticator({
      users: stores.users,
      apiKeys: stores.apiKeys,
      orgs: stores.orgs,
      tokens,
      clock,
    });
    await rejects(without.mqttLogin('telco-a', mqttPassword(secret, 'telco-a', 2)), UnauthenticatedError);
  });

  it('refuses a suspended organisation and an ended trial', async () => {
    await stores.orgs.update(org('telco-a', { status: 'suspended' }));
    await rejects(auth.mqttLogin('telco-a', mqttPassword(secret, 'telco-a', 2)), ForbiddenError);
    await stores.orgs.update(
      org('telco-a', { tier: 'trial', trial: { startsAt: T0, endsAt: '2026-03-02T00:00:00.000Z' } }),
    );
    clock.set('2026-03-03T00:00:00.000Z');
    await rejects(auth.mqttLogin('telco-a', mqttPassword(secret, 'telco-a', 2)), ForbiddenError);
  });

  it("refuses an API key under another organisation's name", async () => {
    const k = issueApiKey();
    await stores.apiKeys.create({
      id: 'k1',
      orgId: 'telco-a',
      label: '',
      prefix: k.prefix,
      hash: k.hash,
      scopes: ['subscribe'],
      createdAt: T0,
    });
    expect((await auth.mqttLogin('telco-a', k.key)).orgId).to.equal('telco-a');
    await rejects(auth.mqttLogin('bank-b', k.key), UnauthenticatedError);
  });
});
