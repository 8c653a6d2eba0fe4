import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { csvCell, csvValue, MAIL_CSV_COLUMNS, renderMailCsv } from './mail-csv.js';

function read(csv: string): string[][] {
  const rows: string[][] = parse(csv, { bom: true, relax_column_count: false, record_delimiter: '\r\n' });
  return rows;
}

describe('mail CSV', () => {
  const rows: [string, string][] = [
    ['plain', 'plain'],
    ['=HYPERLINK("http://x","y")', `"'=HYPERLINK(""http://x"",""y"")"`],
    ['+81 3 1234', "'+81 3 1234"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\t=1', "'\t=1"],
    ['\r=1', `"'\r=1"`],
    ["'quoted", "''quoted"],
    ['a,b', '"a,b"'],
    ['line\nbreak', '"line\nbreak"'],
    ['悪性ドメイン', '悪性ドメイン'],
    ['', ''],
  ];
  for (const [value, cell] of rows)
    it(`cell ${JSON.stringify(value)} → ${JSON.stringify(cell)}`, () => {
      expect(csvCell(value)).to.equal(cell);
      expect(csvValue(read(`${cell}\r\n`)[0]?.[0] ?? '')).to.equal(value);
    });

  it('one row per value an indicator names, one per object that names none; header; BOM; CRLF', () => {
    const csv = renderMailCsv(
      [
        {
          type: 'indicator',
          id: 'indicator--1',
          name: '=cmd|calc',
          pattern: "[ipv4-addr:value = '203.0.113.7'] OR [domain-name:value = 'evil-example.co.jp']",
          pattern_type: 'stix',
          valid_from: '2026-11-30T09:04:00Z',
          confidence: 80,
          labels: ['phishing', 'c2'],
          created: '2026-11-30T09:00:00.000Z',
          modified: '2026-11-30T09:00:00.000Z',
        },
        { type: 'malware', id: 'malware--2', name: 'Emotet', is_family: true },
      ],
      { tlp: 'amber+strict', exercise: true },
    );
    expect(csv.startsWith('\uFEFF')).to.equal(true);
    expect(csv.replace(/\r\n/g, '')).to.not.match(/[\r\n]/);
    const [head, ...data] = read(csv);
    expect(head).to.deep.equal([...MAIL_CSV_COLUMNS]);
    const recs = data.map((r) => Object.fromEntries(r.map((c, i) => [MAIL_CSV_COLUMNS[i], csvValue(c)])));
    expect(recs.map((r) => [r['object_id'], r['value_kind'], r['value']])).to.deep.equal([
      ['indicator--1', 'ipv4', '203.0.113.7'],
      ['indicator--1', 'domain', 'evil-example.co.jp'],
      ['malware--2', '', ''],
    ]);
    expect(data[0]?.[2]).to.equal("'=cmd|calc");
    expect(recs[0]).to.include({
      name: '=cmd|calc',
      tlp: 'AMBER+STRICT',
      exercise: 'true',
      confidence: '80',
      labels: 'phishing; c2',
      valid_from: '2026-11-30T09:04:00Z',
      revoked: 'false',
    });
  });

  it('round-trips any text through an independent RFC 4180 parser', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            name: fc.string(),
            labels: fc.array(
              fc.string({ minLength: 1 }).filter((s) => !s.includes('; ')),
              { maxLength: 3 },
            ),
            description: fc.string(),
          }),
          { maxLength: 10 },
        ),
        (objs) => {
          const objects = objs.map((o, i) => ({
            type: 'malware',
            id: `malware--${i}`,
            name: o.name,
            labels: o.labels,
          }));
          const [, ...data] = read(renderMailCsv(objects, { tlp: 'green', exercise: false }));
          expect(data).to.have.length(objects.length);
          data.forEach((r, i) => {
            expect(r).to.have.length(MAIL_CSV_COLUMNS.length);
            expect(csvValue(r[2]!)).to.equal(objects[i]!.name);
            expect(csvValue(r[11]!)).to.equal(objects[i]!.labels.join('; '));
            for (const c of r) expect(c, 'formula guard').to.not.match(/^[=+\-@\t\r]/);
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});
