import { expect } from 'chai';
import { isIanaTimeZone } from './time-zone.js';

describe('isIanaTimeZone', () => {
  it('refuses offsets, abbreviations, legacy links, unknown and malformed names', () => {
    for (const z of [
      '',
      '+09:00',
      'UTC+9',
      'JST',
      'EST',
      'Japan',
      'Mars/Olympus',
      'Asia/Tokyo ',
      'asia',
      '../etc',
    ])
      expect(isIanaTimeZone(z), z).to.equal(false);
  });
  it('accepts Area/Location names the runtime knows, and UTC', () => {
    for (const z of [
      'Asia/Tokyo',
      'America/New_York',
      'America/Argentina/Buenos_Aires',
      'Europe/London',
      'Etc/GMT-9',
      'UTC',
    ])
      expect(isIanaTimeZone(z), z).to.equal(true);
  });
});
