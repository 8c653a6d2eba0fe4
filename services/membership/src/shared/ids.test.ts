import { expect } from 'chai';
import { ORG_ID_PATTERN } from '@isac/kernel';
import { orgIdentityId, slugify, uuidV5 } from './ids.js';

describe('organisation ids and identities', () => {
  it('computes RFC 4122 v5 UUIDs (the DNS namespace example)', () => {
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).to.equal(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
  });

  it('gives each org a stable, distinct STIX identity id', () => {
    expect(orgIdentityId('bank-a')).to.equal(orgIdentityId('bank-a'));
    expect(orgIdentityId('bank-a')).to.not.equal(orgIdentityId('bank-b'));
    expect(orgIdentityId('bank-a')).to.match(
      /^identity--[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('slugs names into safe topic segments, or gives up', () => {
    for (const name of [
      'Bank A',
      'ＡＢＣ Securities',
      'Crédit Coopératif',
      'x+y#z/w',
      'tab\there',
      'a'.repeat(100),
    ]) {
      const s = slugify(name);
      expect(s, name).to.be.a('string');
      expect(ORG_ID_PATTERN.test(s!), `${name} -> ${s}`).to.equal(true);
    }
    expect(slugify('Bank A')).to.equal('bank-a');
    expect(slugify('ＡＢＣ Securities')).to.equal('abc-securities');
    expect(slugify('信用金庫')).to.equal(undefined);
    expect(slugify('+#/')).to.equal(undefined);
  });
});
