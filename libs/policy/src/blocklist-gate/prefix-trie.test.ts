import { expect } from 'chai';
import { PrefixTrie } from './prefix-trie.js';

const v4 = (s: string): [Uint8Array, number] => {
  const [a = '', p = '32'] = s.split('/');
  return [Uint8Array.from(a.split('.').map(Number)), Number(p)];
};

describe(PrefixTrie.name, () => {
  const trie = new PrefixTrie<string>(32);
  for (const r of ['10.0.0.0/8', '10.1.0.0/16', '192.0.2.7/32', '0.0.0.0/8']) trie.insert(...v4(r), r);

  const rows: [string, string | undefined, string | undefined][] = [
    ['10.0.0.0/8', '10.0.0.0/8', 'equal'],
    ['10.2.3.4', '10.0.0.0/8', 'within'],
    ['10.1.2.3', '10.1.0.0/16', 'within'],
    ['10.1.0.0/16', '10.1.0.0/16', 'equal'],
    ['192.0.2.0/24', '192.0.2.7/32', 'covers'],
    ['0.0.0.0/0', '10.0.0.0/8', 'covers'],
    ['192.0.2.8', undefined, undefined],
    ['11.0.0.0/8', undefined, undefined],
  ];
  for (const [query, value, relation] of rows)
    it(`finds ${value ?? 'nothing'} for ${query}${relation ? ` (${relation})` : ''}`, () => {
      const m = trie.find(...v4(query));
      expect(m && { value: m.value, relation: m.relation }).to.deep.equal(
        value ? { value, relation } : undefined,
      );
    });

  it('keeps the first value given for a prefix', () => {
    const t = new PrefixTrie<string>(32);
    t.insert(...v4('10.0.0.0/8'), 'first');
    t.insert(...v4('10.0.0.0/8'), 'second');
    expect(t.size).to.equal(1);
    expect(t.find(...v4('10.0.0.1'))?.value).to.equal('first');
  });

  it('refuses a prefix length outside the family', () => {
    expect(() => trie.find(new Uint8Array(4), 33)).to.throw(RangeError);
    expect(() => new PrefixTrie<string>(128).insert(new Uint8Array(16), -1, 'x')).to.throw(RangeError);
  });

  it('finds nothing in an empty trie', () => {
    expect(new PrefixTrie<string>(128).find(new Uint8Array(16), 0)).to.equal(undefined);
  });
});
