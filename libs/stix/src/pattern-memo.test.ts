import { expect } from 'chai';
import { validateObject } from './validate.js';
import { rememberedPatternAst } from './pattern-memo.js';
import { indexEntriesOf, indexEntriesOfPattern } from './observable-index.js';

const indicator = (pattern: string): Record<string, unknown> => ({
  type: 'indicator',
  spec_version: '2.1',
  id: 'indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f',
  created: '2026-05-01T00:00:00.000Z',
  modified: '2026-05-01T00:00:00.000Z',
  pattern,
  pattern_type: 'stix',
  valid_from: '2026-05-01T00:00:00.000Z',
});

describe('pattern AST kept from validation for indexing (ADR 0036)', () => {
  it('validation keeps the AST of a valid pattern; indexing reads it and gives what a fresh parse gives', () => {
    const p = "[ipv4-addr:value = '203.0.113.0/24'] OR [domain-name:value = 'Mail.Example.JP']";
    const o = indicator(p);
    expect(validateObject(o).valid).to.equal(true);
    expect(rememberedPatternAst(o, p)).to.not.equal(undefined);
    expect(indexEntriesOf(o)).to.deep.equal(indexEntriesOfPattern(p));
  });

  it('an object whose pattern changed after validation is parsed afresh, never indexed from the old AST', () => {
    const o = indicator("[ipv4-addr:value = '198.51.100.1']");
    validateObject(o);
    o['pattern'] = "[ipv4-addr:value = '198.51.100.2']";
    expect(rememberedPatternAst(o, o['pattern'] as string)).to.equal(undefined);
    expect(indexEntriesOf(o).map((e) => e.value)).to.deep.equal(['198.51.100.2']);
  });

  it('an invalid pattern leaves nothing kept', () => {
    const o = indicator("[ipv4-addr:value = '198.51.100.1'");
    expect(validateObject(o).valid).to.equal(false);
    expect(rememberedPatternAst(o, o['pattern'] as string)).to.equal(undefined);
  });
});
