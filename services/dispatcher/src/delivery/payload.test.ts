import { expect } from 'chai';
import { tlp2Marking } from '@isac/stix';
import { alertBundle, alertBundleJson } from './payload.js';

describe('alertBundleJson', () => {
  it('is the JSON of alertBundle, for objects with and without TLP marking references', () => {
    const base = {
      type: 'indicator',
      spec_version: '2.1',
      id: 'indicator--00000000-0000-4000-8000-000000000001',
      name: 'x "quoted" \u2028',
    };
    const cases = [
      { ...base, object_marking_refs: [tlp2Marking('green').id] },
      {
        ...base,
        object_marking_refs: [
          tlp2Marking('amber').id,
          'marking-definition--00000000-0000-4000-8000-00000000abcd',
        ],
      },
      { ...base },
    ];
    for (const tlp of ['green', 'amber', 'red'] as const)
      for (const obj of cases) {
        for (let i = 0; i < 2; i++)
          expect(alertBundleJson(`a-${i}`, obj, tlp)).to.equal(
            JSON.stringify(alertBundle(`a-${i}`, obj, tlp)),
          );
      }
  });
});
