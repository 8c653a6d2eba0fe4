import { expect } from 'chai';
import { alertLine, summariseAlert } from './alert-line.js';

const at = new Date('2026-05-01T09:00:00.000Z');
const ind = (v: string): Record<string, unknown> => ({
  type: 'indicator',
  id: `indicator--${v}`,
  pattern: `[ipv4-addr:value = '${v}']`,
});

describe('isac watch alert lines', () => {
  it('summarises a grouped bundle (delivery-2b x_isac_alert) by type with the first values, and its part', () => {
    const payload = {
      type: 'bundle',
      id: 'bundle--11111111-2222-3333-4444-555555555555',
      objects: [
        ind('203.0.113.7'),
        { type: 'indicator', id: 'indicator--x', pattern: "[domain-name:value = 'evil.example']" },
        ind('203.0.113.9'),
        ind('203.0.113.10'),
        { type: 'marking-definition', id: 'marking-definition--m' },
      ],
      x_isac_alert: {
        alert_id: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
        part: 2,
        parts: 3,
        submission_ids: ['s1'],
        exercise: false,
      },
    };
    const line = alertLine(summariseAlert('isac/v1/orgs/bank-b/alerts/amber-strict/indicator', payload, at));
    expect(line).to.equal(
      '2026-05-01T09:00:00.000Z  TLP:AMBER+STRICT  4 indicators: 203.0.113.7, evil.example, 203.0.113.9, …  part 2/3  ack aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
    );
  });

  it('says that a value was reported before, and marks an update (ADR 0044)', () => {
    const alert = (x: Record<string, unknown>, objects = [ind('203.0.113.7')]) => ({
      type: 'bundle',
      id: 'bundle--11111111-2222-3333-4444-555555555555',
      objects,
      x_isac_alert: { alert_id: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', part: 1, parts: 1, ...x },
    });
    const entry = (v: string, reports: number, sectors: number, update = false) => ({
      indicator_id: `indicator--${v}`,
      kind: 'ipv4',
      value: v,
      reports,
      sectors,
      first_seen: '2026-04-30T01:00:00.000Z',
      last_seen: '2026-05-01T08:00:00.000Z',
      ...(update ? { update: true } : {}),
    });
    const topic = 'isac/v1/orgs/bank-b/alerts/green/indicator';
    expect(
      alertLine(
        summariseAlert(topic, alert({ kind: 'update', correlation: [entry('203.0.113.7', 2, 1, true)] }), at),
      ),
    ).to.equal(
      '2026-05-01T09:00:00.000Z  TLP:GREEN  [update/更新]  indicator 203.0.113.7  reported before: 2 reports, 1 sector / 既報 2件・1業種  ack aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
    );
    // one report from one sector, in a new alert
    expect(
      alertLine(summariseAlert(topic, alert({ correlation: [entry('203.0.113.7', 1, 1)] }), at)),
    ).to.equal(
      '2026-05-01T09:00:00.000Z  TLP:GREEN  indicator 203.0.113.7  reported before: 1 report, 1 sector / 既報 1件・1業種  ack aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
    );
    // several values: how many were reported before (counts per value are in the payload)
    const three = [ind('203.0.113.7'), ind('203.0.113.8'), ind('203.0.113.9')];
    const corr = [entry('203.0.113.7', 3, 2), entry('203.0.113.9', 1, 1)];
    expect(alertLine(summariseAlert(topic, alert({ correlation: corr }, three), at))).to.equal(
      '2026-05-01T09:00:00.000Z  TLP:GREEN  3 indicators: 203.0.113.7, 203.0.113.8, 203.0.113.9  2 values reported before / 既報の値 2件  ack aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
    );
    // nothing reported before, or a payload whose list is not one: nothing said
    for (const x of [{}, { correlation: [] }, { correlation: 'x' }, { correlation: [null, 7] }])
      expect(alertLine(summariseAlert(topic, alert(x), at))).to.equal(
        '2026-05-01T09:00:00.000Z  TLP:GREEN  indicator 203.0.113.7  ack aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
      );
  });

  it('says the value of a single-object alert, its ack id from the bundle id, and marks exercises', () => {
    const payload = {
      type: 'bundle',
      id: 'bundle--11111111-2222-3333-4444-555555555555',
      objects: [ind('198.51.100.1')],
    };
    expect(alertLine(summariseAlert('isac/v1/orgs/o/exercise/alerts/green/indicator', payload, at))).to.equal(
      '2026-05-01T09:00:00.000Z  TLP:GREEN  [exercise/演習]  indicator 198.51.100.1  ack 11111111-2222-3333-4444-555555555555',
    );
  });
});
