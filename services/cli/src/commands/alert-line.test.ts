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
