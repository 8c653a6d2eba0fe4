import { expect } from 'chai';
import { ForbiddenError, NotFoundError, UnauthenticatedError, type Principal } from '@isac/kernel';
import { Access } from './access.js';

const access = new Access('hub');
const user = (orgId: string, roles: Principal['roles'], scopes: Principal['scopes'] = []): Principal => ({
  orgId,
  userId: `u-${orgId}`,
  roles,
  scopes,
});
const key = (orgId: string, scopes: Principal['scopes']): Principal => ({
  orgId,
  keyId: `k-${orgId}`,
  roles: [],
  scopes,
});

function outcome(fn: () => void): string {
  try {
    fn();
    return 'ok';
  } catch (err) {
    if (err instanceof NotFoundError) return 'not_found';
    if (err instanceof ForbiddenError) return 'forbidden';
    if (err instanceof UnauthenticatedError) return 'unauthenticated';
    throw err;
  }
}

describe(Access.name, () => {
  describe("isHubAdmin: the hub organisation's hub-admin users and admin-scope keys, nobody else", () => {
    const rows: [string, Principal, boolean][] = [
      ['hub-admin user of the hub organisation', user('hub', ['hub-admin'], ['admin']), true],
      ['admin-scope key of the hub organisation', key('hub', ['admin']), true],
      ['hub-admin role in another organisation', user('bank-a', ['hub-admin'], ['admin']), false],
      ['admin-scope key of another organisation', key('bank-a', ['admin', 'read']), false],
      ['org-admin of the hub organisation', user('hub', ['org-admin'], ['read']), false],
      ['key of the hub organisation without admin', key('hub', ['read', 'submit']), false],
      ['a user of the hub organisation holding admin scope but no role', user('hub', [], ['admin']), false],
    ];
    for (const [what, p, expected] of rows)
      it(`${what}: ${expected}`, () => expect(access.isHubAdmin(p)).to.equal(expected));
  });

  describe('check: route requirements', () => {
    const params = { orgId: 'bank-a' };
    const hubAdmin = key('hub', ['admin']);
    const aAdmin = user('bank-a', ['org-admin'], ['submit', 'read', 'subscribe']);
    const aReader = user('bank-a', ['reader'], ['read', 'subscribe']);
    const bAdmin = user('bank-b', ['org-admin'], ['submit', 'read', 'subscribe']);
    const rows: [string, Parameters<Access['check']>[1], Principal | undefined, string][] = [
      ['anyone, no credentials', { who: 'anyone' }, undefined, 'ok'],
      ['principal, no credentials', { who: 'principal' }, undefined, 'unauthenticated'],
      ['submit scope, reader', { who: 'principal', scope: 'submit' }, aReader, 'forbidden'],
      ['submit scope, org-admin', { who: 'principal', scope: 'submit' }, aAdmin, 'ok'],
      ['hub-admin, org-admin', { who: 'hub-admin' }, aAdmin, 'forbidden'],
      ['hub-admin, hub key', { who: 'hub-admin' }, hubAdmin, 'ok'],
      ['hub-admin of path org, its member', { who: 'hub-admin', org: 'path' }, aAdmin, 'forbidden'],
      ['hub-admin of path org, another org', { who: 'hub-admin', org: 'path' }, bAdmin, 'not_found'],
      ['org-member, member', { who: 'org-member', org: 'path' }, aReader, 'ok'],
      ['org-member, other org', { who: 'org-member', org: 'path' }, bAdmin, 'not_found'],
      [
        'org-member + submit, reader',
        { who: 'org-member', org: 'path', scope: 'submit' },
        aReader,
        'forbidden',
      ],
      [
        'org-member + subscribe, hub key',
        { who: 'org-member', org: 'path', scope: 'subscribe' },
        hubAdmin,
        'ok',
      ],
      ['org-admin of path, reader', { who: 'org-admin', org: 'path' }, aReader, 'forbidden'],
      ['org-admin of path, other org admin', { who: 'org-admin', org: 'path' }, bAdmin, 'not_found'],
      ['org-admin of path, hub key', { who: 'org-admin', org: 'path' }, hubAdmin, 'ok'],
      ['org-admin of own org, reader', { who: 'org-admin' }, aReader, 'forbidden'],
      ['org-admin of own org, another org admin', { who: 'org-admin' }, bAdmin, 'ok'],
    ];
    for (const [what, r, p, expected] of rows)
      it(`${what}: ${expected}`, () => expect(outcome(() => access.check(p, r, params))).to.equal(expected));

    it('names the missing scope and the missing role', () => {
      expect(() => access.check(aReader, { who: 'principal', scope: 'submit' }, params)).to.throw(
        /needs the submit scope, which your roles \(reader\) do not give/,
      );
      expect(() =>
        access.check(key('bank-a', ['read']), { who: 'principal', scope: 'subscribe' }, params),
      ).to.throw(/this API key lacks the subscribe scope/);
      expect(() => access.check(aReader, { who: 'org-admin', org: 'path' }, params)).to.throw(
        /org-admin role/,
      );
      expect(() => access.check(aAdmin, { who: 'hub-admin' }, params)).to.throw(
        /hub-admin role in organisation hub/,
      );
    });
  });

  describe('organisations the caller cannot see', () => {
    it('answers the same words for an unknown organisation and for another one', () => {
      const message = (orgId: string): string => {
        try {
          access.check(user('bank-a', ['org-admin']), { who: 'org-member', org: 'path' }, { orgId });
        } catch (err) {
          expect(err).to.be.instanceOf(NotFoundError);
          return (err as Error).message;
        }
        throw new Error('allowed');
      };
      expect(message('bank-z')).to.match(/^no organisation bank-z that you can see/);
      expect(message('bank-b').replaceAll('bank-b', 'X')).to.equal(
        message('bank-z').replaceAll('bank-z', 'X'),
      );
    });
  });
});
