import { expect } from 'chai';
import { csv, participationCsv, shadeOf, shadeSteps, type Participation } from '../src/participation-csv.js';

const report = {
  from: '2026-11-01T00:00:00.000Z',
  to: '2026-12-01T00:00:00.000Z',
  generatedAt: '2026-12-01T00:00:00.000Z',
  totals: { orgs: 2, active: 1, submitting: 1, receiving: 2 },
  bySector: {},
  byRegion: {},
  byTier: {},
  trials: [],
  silent: [],
  orgs: [
    {
      orgId: 'bank-a',
      name: 'Bank "A", Tokyo',
      sector: 'finance',
      region: 'JP-13',
      tier: 'full',
      status: 'active',
      active: true,
      submitted: 3,
      received: 7,
      acknowledged: 2,
      medianAckSeconds: 90,
    },
    {
      orgId: 'bank-b',
      name: 'Bank B',
      sector: 'finance',
      region: '',
      tier: 'trial',
      status: 'active',
      active: false,
      submitted: 0,
      received: 1,
      acknowledged: 0,
      medianAckSeconds: null,
    },
  ],
  byPrefecture: [
    {
      code: 'JP-13',
      nameJa: '東京都',
      nameEn: 'Tokyo',
      orgs: 1,
      submitting: 1,
      receiving: 1,
      submitted: 3,
      received: 7,
      acknowledged: 2,
    },
  ],
} as unknown as Participation;

describe('console participation CSV and map shades (issue 17)', () => {
  it('writes RFC 4180: quotes a field with a comma, a quote or a line break, CRLF lines', () => {
    expect(
      csv(
        ['A', 'B'],
        [
          ['x,y', 'say "hi"'],
          ['line\nbreak', 'plain'],
        ],
      ),
    ).to.equal('A,B\r\n"x,y","say ""hi"""\r\n"line\nbreak",plain\r\n');
  });

  it('has the CLI’s columns per organisation (median in seconds, empty when none) and per prefecture', () => {
    expect(participationCsv(report, 'org').split('\r\n')).to.deep.equal([
      'ORG,NAME,SECTOR,REGION,TIER,ACTIVE,SUBMITTED,RECEIVED,ACKED,MEDIAN ACK SECONDS',
      'bank-a,"Bank ""A"", Tokyo",finance,JP-13,full,yes,3,7,2,90',
      'bank-b,Bank B,finance,-,trial,no,0,1,0,',
      '',
    ]);
    expect(participationCsv(report, 'region').split('\r\n')).to.deep.equal([
      'CODE,都道府県,REGION,ORGS,SUBMITTING,RECEIVING,SUBMITTED,RECEIVED,ACKED',
      'JP-13,東京都,Tokyo,1,1,1,3,7,2',
      '',
    ]);
  });

  it('shades nothing at zero, the top count darkest, and every non-zero count at least the lightest step', () => {
    expect(shadeOf(0, 10)).to.equal(0);
    expect(shadeOf(0, 0)).to.equal(0);
    expect(shadeOf(1, 1)).to.equal(4);
    expect(shadeOf(1, 100)).to.equal(1);
    expect(shadeOf(26, 100)).to.equal(2);
    expect(shadeOf(75, 100)).to.equal(3);
    expect(shadeOf(100, 100)).to.equal(4);
  });

  it('gives a legend whose steps cover every count from 1 to the maximum once, in the shade the map uses', () => {
    for (let max = 1; max <= 60; max += 1) {
      const steps = shadeSteps(max);
      for (let n = 1; n <= max; n += 1) {
        const covering = steps.filter((s) => s.from <= n && n <= s.to);
        expect(covering, `${n} of ${max}`).to.have.length(1);
        expect(covering[0]!.shade, `${n} of ${max}`).to.equal(shadeOf(n, max));
      }
    }
    expect(shadeSteps(2)).to.deep.equal([
      { shade: 2, from: 1, to: 1 },
      { shade: 4, from: 2, to: 2 },
    ]);
  });
});
