import { expect } from 'chai';
import { parseTaxiiQuery, rawQuery, taxiiTimestamp } from './taxii-http.js';

const opts = {
  defaultLimit: 1000,
  maxLimit: 5000,
  allowed: ['id', 'type', 'version', 'spec_version'] as const,
};

describe('parseTaxiiQuery', () => {
  it('parses match fields as comma-separated lists and caps the limit', () => {
    const q = parseTaxiiQuery(
      rawQuery('/x/?match[type]=indicator,malware&limit=99999&match[version]=first,last'),
      { ...opts, allowed: [...opts.allowed] },
    );
    expect(q.match).to.deep.equal({ type: ['indicator', 'malware'], version: ['first', 'last'] });
    expect(q.limit).to.equal(5000);
  });

  it('ignores match fields the endpoint does not take', () => {
    const q = parseTaxiiQuery(rawQuery('/x/?match[type]=indicator&match[foo]=1'), {
      ...opts,
      allowed: ['version'],
    });
    expect(q.match).to.deep.equal({});
  });

  for (const bad of [
    'limit=-1',
    'limit=1.5',
    'added_after=2026-01-01',
    'match[version]=all,first',
    'match[type]=a,a',
    'match[spec_version]=x',
    'next=v2',
  ]) {
    it(`refuses ${bad}`, () => {
      expect(() => parseTaxiiQuery(rawQuery(`/x/?${bad}`), { ...opts, allowed: [...opts.allowed] })).to.throw(
        /./,
      );
    });
  }
});

describe('taxiiTimestamp', () => {
  it('writes microseconds', () => {
    expect(taxiiTimestamp('2026-01-01T00:00:00.123Z')).to.equal('2026-01-01T00:00:00.123000Z');
    expect(taxiiTimestamp(new Date('2026-01-01T00:00:00Z'))).to.equal('2026-01-01T00:00:00.000000Z');
  });
});
