import { expect } from 'chai';
import { hubIdentity } from './hub-identity.js';

describe('hubIdentity', () => {
  it('is a stable UUIDv5 of the name (the id the hub has always had)', () => {
    const a = hubIdentity('ISAC Sharing Hub');
    expect(a.id).to.equal('identity--8c1a4ad1-b57d-5ff4-a8e8-15a2a2ca055a');
    expect(a.id).to.match(/^identity--[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(hubIdentity('Another Hub').id).to.not.equal(a.id);
    expect(a.object).to.include({
      type: 'identity',
      id: a.id,
      name: 'ISAC Sharing Hub',
      identity_class: 'organization',
    });
  });
});
