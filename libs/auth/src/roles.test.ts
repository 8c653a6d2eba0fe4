import { expect } from 'chai';
import { ROLES } from '@isac/kernel';
import { mayGrant, scopesForRoles } from './roles.js';

describe('roles', () => {
  it('gives the admin scope to hub-admin alone', () => {
    for (const role of ROLES) expect(scopesForRoles([role]).includes('admin')).to.equal(role === 'hub-admin');
    expect(scopesForRoles(['reader'])).to.not.include('submit');
    expect(scopesForRoles(['analyst'])).to.include.members(['submit', 'read', 'subscribe']);
  });

  it('lets an org-admin grant every role but hub-admin', () => {
    expect(mayGrant(['org-admin'], 'hub-admin')).to.equal(false);
    expect(mayGrant(['org-admin'], 'org-admin')).to.equal(true);
    expect(mayGrant(['org-admin'], 'analyst')).to.equal(true);
    expect(mayGrant(['hub-admin'], 'hub-admin')).to.equal(true);
  });

  it('lets analysts and readers grant nothing', () => {
    for (const role of ROLES) {
      expect(mayGrant(['analyst'], role)).to.equal(false);
      expect(mayGrant(['reader'], role)).to.equal(false);
      expect(mayGrant([], role)).to.equal(false);
    }
  });
});
