import { expect } from 'chai';
import { apiKeyMatches, hashApiKey, issueApiKey, looksLikeApiKey, parseApiKey } from './api-keys.js';

describe('API keys', () => {
  it('issues isac_<prefix>_<secret> keys that parse and match their hash', () => {
    const k = issueApiKey();
    expect(k.key).to.match(/^isac_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    expect(parseApiKey(k.key)).to.deep.equal({ prefix: k.prefix });
    expect(looksLikeApiKey(k.key)).to.equal(true);
    expect(apiKeyMatches(k.key, k.hash)).to.equal(true);
    expect(k.hash).to.equal(hashApiKey(k.key));
    expect(k.hash).to.not.contain(k.key.slice(`isac_${k.prefix}_`.length));
  });

  it('does not match another key with the same prefix', () => {
    const k = issueApiKey();
    const forged = `isac_${k.prefix}_${'A'.repeat(43)}`;
    expect(parseApiKey(forged)).to.deep.equal({ prefix: k.prefix });
    expect(apiKeyMatches(forged, k.hash)).to.equal(false);
  });

  it('rejects malformed keys', () => {
    expect(parseApiKey('isac_short_secret')).to.equal(undefined);
    expect(parseApiKey('Bearer isac_x')).to.equal(undefined);
    expect(apiKeyMatches('anything', 'not-a-hash')).to.equal(false);
  });

  it('issues different keys each time', () => {
    const a = issueApiKey();
    const b = issueApiKey();
    expect(a.key).to.not.equal(b.key);
    expect(a.prefix).to.not.equal(b.prefix);
  });
});
