import { expect } from 'chai';
import { stixValidate } from './stix-validate.js';

const indicator = {
  type: 'indicator',
  spec_version: '2.1',
  id: 'indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f',
  created: '2024-01-01T00:00:00.000Z',
  modified: '2024-01-01T00:00:00.000Z',
  name: 'bad IP',
  pattern: "[ipv4-addr:value = '198.51.100.7']",
  pattern_type: 'stix',
  valid_from: '2024-01-01T00:00:00Z',
};
const bundle = (objects: unknown[]): unknown => ({
  type: 'bundle',
  id: 'bundle--5d0092c5-5f74-4287-9642-33f4c354e56d',
  objects,
});

function harness(input: string | Error): {
  io: Parameters<typeof stixValidate>[1];
  out: string[];
  err: string[];
} {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: {
      readInput: (file: string) =>
        input instanceof Error
          ? Promise.reject(input)
          : file === '-' || file === 'b.json'
            ? Promise.resolve(input)
            : Promise.reject(new Error('ENOENT')),
      stdout: (s) => out.push(s),
      stderr: (s) => err.push(s),
    },
  };
}

describe('isac stix validate', () => {
  it('exits 0 and prints one JSON entry per object for a valid bundle', async () => {
    const h = harness(JSON.stringify(bundle([indicator])));
    expect(await stixValidate({ file: 'b.json', json: true }, h.io)).to.equal(0);
    expect(JSON.parse(h.out.join(''))).to.deep.equal([
      { index: 0, id: indicator.id, type: 'indicator', valid: true, errors: [], warnings: [] },
    ]);
  });
  it('exits 1 and names the path, rule and message of each problem', async () => {
    const bad = {
      ...indicator,
      id: 'indicator--9e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f',
      valid_until: '2023-01-01T00:00:00Z',
      x_custom: 1,
    };
    const h = harness(JSON.stringify(bundle([indicator, bad])));
    expect(await stixValidate({ file: '-', json: true }, h.io)).to.equal(1);
    const entries = JSON.parse(h.out.join('')) as {
      index: number;
      valid: boolean;
      errors: { path: string; rule: string; message: string }[];
      warnings: { rule: string }[];
    }[];
    expect(entries.map((e) => [e.index, e.valid])).to.deep.equal([
      [0, true],
      [1, false],
    ]);
    expect(entries[1]!.errors[0]).to.include({ path: '/valid_until', rule: 'timestamp-order' });
    expect(entries[1]!.errors[0]!.message).to.match(/later than/);
    expect(entries[1]!.warnings.map((w) => w.rule)).to.deep.equal(['custom-property']);
  });
  it('validates a single object', async () => {
    const h = harness(JSON.stringify(indicator));
    expect(await stixValidate({ file: '-', json: true }, h.io)).to.equal(0);
    expect(JSON.parse(h.out.join(''))).to.have.length(1);
  });
  it('reports bundle-level errors as index -1', async () => {
    const h = harness(JSON.stringify({ type: 'bundle', id: 'bundle--nope', objects: [indicator] }));
    expect(await stixValidate({ file: '-', json: true }, h.io)).to.equal(1);
    const entries = JSON.parse(h.out.join('')) as {
      index: number;
      type: string;
      errors: { rule: string }[];
    }[];
    expect(entries[0]).to.deep.include({ index: -1, type: 'bundle' });
    expect(entries[0]!.errors[0]!.rule).to.equal('id-format');
  });
  it('exits 2 when the input is not JSON or cannot be read', async () => {
    const h = harness('{ not json');
    expect(await stixValidate({ file: '-', json: true }, h.io)).to.equal(2);
    expect(h.err.join('')).to.match(/not JSON/);
    expect(h.out).to.deep.equal([]);
    const h2 = harness('{}');
    expect(await stixValidate({ file: 'missing.json', json: false }, h2.io)).to.equal(2);
    expect(h2.err.join('')).to.match(/cannot read missing.json/);
  });
  it('prints a readable text report without --json', async () => {
    const bad = {
      ...indicator,
      id: 'indicator--9e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f',
      pattern: '[ipv4-addr:value = ]',
    };
    const h = harness(JSON.stringify(bundle([bad, indicator])));
    expect(await stixValidate({ file: 'b.json', json: false }, h.io)).to.equal(1);
    const text = h.out.join('');
    expect(text).to.contain(`INVALID object 0 indicator ${bad.id}`);
    expect(text).to.contain('error   /pattern [pattern-syntax] pattern syntax error at position 19');
    expect(text).to.contain('2 object(s) checked: 1 invalid, 0 warning(s)');
  });
  it('says all valid in text mode', async () => {
    const h = harness(JSON.stringify(bundle([indicator])));
    expect(await stixValidate({ file: 'b.json', json: false }, h.io)).to.equal(0);
    expect(h.out.join('')).to.equal('1 object(s) checked: all valid\n');
  });
});
