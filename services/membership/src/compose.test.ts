import { expect } from 'chai';
import { ManualClock, SequentialIds, ValidationError, silentLogger } from '@isac/kernel';
import { openSqliteStores, type Stores } from '@isac/store';
import { Authenticator, TokenService, generateSigningKey, verifyPassword } from '@isac/auth';
import { loadConfig } from '@isac/config';
import { composeMembership, type Membership } from './compose.js';
import { defaultMembershipConfig, membershipConfigSchema, type MembershipConfig } from './config.js';

describe(composeMembership.name, () => {
  let stores: Stores;
  let membership: Membership;
  beforeEach(() => {
    const clock = new ManualClock();
    stores = openSqliteStores({ path: ':memory:' }, clock);
    const config = defaultMembershipConfig();
    const tokens = new TokenService(
      [generateSigningKey('k1', clock.now().toISOString())],
      config.tokens,
      clock,
    );
    const auth = new Authenticator({
      users: stores.users,
      apiKeys: stores.apiKeys,
      orgs: stores.orgs,
      tokens,
      clock,
    });
    membership = composeMembership({
      stores,
      clock,
      ids: new SequentialIds(),
      log: silentLogger,
      auth,
      tokens,
      config,
    });
  });
  afterEach(async () => {
    await membership.stop();
    await stores.close();
  });

  it('bootstraps the hub organisation and a hub-admin with a random password, once', async () => {
    const first = await membership.bootstrapAdmin();
    expect(first.created).to.equal(true);
    expect(first.username).to.equal('admin');
    expect(first.password).to.be.a('string').with.length.greaterThanOrEqual(20);
    const user = await stores.users.getByUsername('admin');
    expect(user?.roles).to.deep.equal(['hub-admin']);
    expect(user?.orgId).to.equal('hub');
    expect(await verifyPassword(first.password!, user!.passwordHash)).to.equal(true);
    expect(await stores.orgs.get('hub')).to.include({ tier: 'full', status: 'active' });
    expect(await membership.bootstrapAdmin('another-password-123')).to.deep.equal({
      created: false,
      username: 'admin',
    });
    expect(await stores.users.count()).to.equal(1);
  });

  it('uses a given password and does not echo it', async () => {
    const res = await membership.bootstrapAdmin('given-password-123');
    expect(res).to.deep.equal({ created: true, username: 'admin' });
    expect(
      await verifyPassword('given-password-123', (await stores.users.getByUsername('admin'))!.passwordHash),
    ).to.equal(true);
  });

  it('refuses a short bootstrap password', async () => {
    try {
      await membership.bootstrapAdmin('short');
      expect.fail('accepted');
    } catch (err) {
      expect(err).to.be.instanceOf(ValidationError);
    }
    expect(await stores.users.count()).to.equal(0);
  });
});

describe('membershipConfigSchema', () => {
  it('fills every default from an empty object', () => {
    const c = loadConfig<MembershipConfig>(membershipConfigSchema, {
      layers: [{ name: 'default', values: {} }],
    });
    expect({ ...c, sectors: [...c.sectors] }).to.deep.equal(
      JSON.parse(JSON.stringify(defaultMembershipConfig())),
    );
  });

  it('rejects unknown keys and bad values', () => {
    expect(() =>
      loadConfig(membershipConfigSchema, {
        layers: [{ name: 'd', values: { trial: { defaultDays: 0 }, colour: 'red' } }],
      }),
    ).to.throw(/trial\.defaultDays|colour/);
  });
});
