import { expect } from 'chai';
import {
  alertTopic,
  alertTypeSegment,
  blocklistTopic,
  mayPublish,
  maySubscribe,
  topicSegment,
} from './topics.js';

describe('MQTT topics', () => {
  it('builds alert, exercise and block-list topics', () => {
    expect(alertTopic('bank-a', 'amber+strict', 'indicator')).to.equal(
      'isac/v1/orgs/bank-a/alerts/amber-strict/indicator',
    );
    expect(alertTopic('bank-a', 'green', 'malware', true)).to.equal(
      'isac/v1/orgs/bank-a/exercise/alerts/green/malware',
    );
    expect(blocklistTopic('bank-a', 'ipv4')).to.equal('isac/v1/orgs/bank-a/blocklist/ipv4');
    expect(blocklistTopic('bank-a', 'file-hash', true)).to.equal(
      'isac/v1/orgs/bank-a/exercise/blocklist/file-hash',
    );
    expect(() => blocklistTopic('bank-a', 'ip/v4', true)).to.throw(/kind is not a safe/);
  });
  for (const [types, segment] of [
    [['indicator', 'indicator'], 'indicator'],
    [['indicator', 'malware', 'indicator'], 'bundle'],
    [['report'], 'report'],
    [[], 'bundle'],
  ] as const) {
    it(`names a grouped alert of ${JSON.stringify(types)} by "${segment}"`, () => {
      expect(alertTypeSegment(types)).to.equal(segment);
    });
  }
  for (const bad of ['a/b', 'a+b', '#', '', 'x\u0000', 'line\nbreak', '$SYS', 'tab\t']) {
    it(`rejects the unsafe segment ${JSON.stringify(bad)}`, () => {
      expect(() => topicSegment(bad, 'orgId')).to.throw(/safe MQTT topic segment/);
      expect(() => alertTopic(bad, 'green', 'indicator')).to.throw();
    });
  }
  it('lets a client subscribe under its own prefix only', () => {
    expect(maySubscribe('bank-a', 'isac/v1/orgs/bank-a/#')).to.equal(true);
    expect(maySubscribe('bank-a', 'isac/v1/orgs/bank-a/alerts/+/indicator')).to.equal(true);
    expect(maySubscribe('bank-a', 'isac/v1/orgs/bank-b/#')).to.equal(false);
    expect(maySubscribe('bank-a', '#')).to.equal(false);
    expect(maySubscribe('bank-a', 'isac/v1/orgs/+/alerts/#')).to.equal(false);
    expect(maySubscribe('bank-a', 'isac/v1/orgs/#')).to.equal(false);
    expect(maySubscribe('bank-a', 'isac/v1/orgs/bank-a')).to.equal(false);
    expect(maySubscribe('bank-a', 'isac/v1/orgs/bank-a/a#')).to.equal(false);
    expect(maySubscribe('bank-a', '$share/g/isac/v1/orgs/bank-a/#')).to.equal(false);
    expect(maySubscribe('bank-a/#', 'isac/v1/orgs/bank-a/#')).to.equal(false);
  });
  it('lets a client publish only to its own ack topic', () => {
    expect(mayPublish('bank-a', 'isac/v1/orgs/bank-a/acks')).to.equal(true);
    expect(mayPublish('bank-a', 'isac/v1/orgs/bank-b/acks')).to.equal(false);
    expect(mayPublish('bank-a', 'isac/v1/orgs/bank-a/alerts/green/indicator')).to.equal(false);
  });
});
