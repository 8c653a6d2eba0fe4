import { expect } from 'chai';
import fc from 'fast-check';
import { mispEventToStix, MispEventError, MISP_MAPPED_TYPES } from './misp.js';
import { extractObservables } from './observables.js';
import { strictestTlp, tlpRank } from './tlp.js';
import { validateObject } from './validate.js';

const EVENT_UUID = '5f1b7c2a-9d3e-4a6b-8c1d-2e3f4a5b6c7d';
const attr = (type: string, value: string, over: Record<string, unknown> = {}) => ({
  uuid: `0b9e2f4c-1a3d-4e5f-8a7b-${String(Math.floor(Math.random() * 1e12)).padStart(12, '0')}`,
  type,
  category: 'Network activity',
  value,
  to_ids: true,
  timestamp: '1705300000',
  distribution: '5',
  ...over,
});
const event = (attributes: unknown[], over: Record<string, unknown> = {}) => ({
  Event: {
    uuid: EVENT_UUID,
    info: 'Phishing campaign against shinkin banks',
    date: '2024-01-15',
    timestamp: '1705300000',
    publish_timestamp: '1705301000',
    published: true,
    distribution: '3',
    Orgc: { name: 'CERT-X', uuid: '11111111-2222-4333-8444-555555555555' },
    Tag: [{ name: 'tlp:green' }, { name: 'misp-galaxy:threat-actor="APT-X"' }],
    Attribute: attributes,
    ...over,
  },
});

describe(mispEventToStix.name, () => {
  describe('attribute types to patterns (docs/misp-mapping.md)', () => {
    const rows: [string, string, string][] = [
      ['ip-dst', '185.220.101.7', "[ipv4-addr:value = '185.220.101.7']"],
      ['ip-src', '2a12:a800::1', "[ipv6-addr:value = '2a12:a800::1']"],
      ['ip-dst|port', '185.220.101.7|443', "[ipv4-addr:value = '185.220.101.7']"],
      ['domain', 'login-verify.top', "[domain-name:value = 'login-verify.top']"],
      ['hostname', 'a.login-verify.top', "[domain-name:value = 'a.login-verify.top']"],
      [
        'domain|ip',
        'login-verify.top|185.220.101.7',
        "[domain-name:value = 'login-verify.top'] OR [ipv4-addr:value = '185.220.101.7']",
      ],
      ['url', 'http://login-verify.top/a?b=1', "[url:value = 'http://login-verify.top/a?b=1']"],
      ['md5', 'D41D8CD98F00B204E9800998ECF8427F', "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427f']"],
      ['sha256', 'ab'.repeat(32), `[file:hashes.'SHA-256' = '${'ab'.repeat(32)}']`],
      [
        'filename|sha1',
        "invoice's.exe|" + 'cd'.repeat(20),
        `[file:hashes.'SHA-1' = '${'cd'.repeat(20)}' AND file:name = 'invoice\\'s.exe']`,
      ],
      ['email-src', 'attacker@login-verify.top', "[email-addr:value = 'attacker@login-verify.top']"],
      ['email-subject', 'Your account', "[email-message:subject = 'Your account']"],
    ];
    for (const [type, value, pattern] of rows)
      it(`${type} ${value}`, () => {
        const m = mispEventToStix(event([attr(type, value)]));
        expect(m.counts).to.deep.include({ attributes: 1, mapped: 1, invalid: 0 });
        const ind = m.objects[0]!;
        expect(ind['pattern']).to.equal(pattern);
        expect(validateObject(ind).errors).to.deep.equal([]);
      });
  });

  it('makes a report of a published event, a grouping of an unpublished one, each marked and referring to its indicators', () => {
    const published = mispEventToStix(event([attr('domain', 'login-verify.top')]));
    const report = published.objects[1]!;
    expect(report).to.deep.include({
      type: 'report',
      id: `report--${EVENT_UUID}`,
      name: 'Phishing campaign against shinkin banks',
      published: '2024-01-15T06:43:20.000Z',
      object_refs: [published.objects[0]!['id']],
    });
    expect(strictestTlp(report)).to.equal('green');
    expect(validateObject(report).errors).to.deep.equal([]);
    const draft = mispEventToStix(event([attr('domain', 'login-verify.top')], { published: false }));
    expect(draft.objects[1]).to.deep.include({ type: 'grouping', context: 'suspicious-activity' });
    expect(validateObject(draft.objects[1]).errors).to.deep.equal([]);
  });

  it('counts what it does not map, by reason, and names invalid values by path', () => {
    const m = mispEventToStix(
      event([
        attr('domain', 'login-verify.top'),
        attr('regkey', 'HKLM\\Software\\Evil'),
        attr('regkey', 'HKLM\\Software\\Evil2'),
        attr('AS', '64500'),
        attr('domain', 'context-only.top', { to_ids: false }),
        attr('domain', 'gone.top', { deleted: true }),
        attr('ip-dst', 'not-an-ip'),
      ]),
    );
    expect(m.counts).to.deep.equal({
      attributes: 7,
      mapped: 1,
      notToIds: 1,
      deleted: 1,
      invalid: 1,
      unmapped: { regkey: 2, AS: 1 },
    });
    expect(m.problems).to.have.length(1);
    expect(m.problems[0]!.path).to.equal('/Event/Attribute/6/value');
    expect(m.problems[0]!.message).to.match(/^ip-dst: 'not-an-ip' is not/);
  });

  describe('TLP: tags, then distribution; never more open than the event', () => {
    const tlpOf = (ev: unknown): string | undefined => strictestTlp(mispEventToStix(ev).objects[0]!);
    it('the event tag marks its attributes; tlp:white is CLEAR; amber+strict is kept', () => {
      expect(tlpOf(event([attr('domain', 'a.top')]))).to.equal('green');
      expect(tlpOf(event([attr('domain', 'a.top')], { Tag: [{ name: 'tlp:white' }] }))).to.equal('clear');
      expect(tlpOf(event([attr('domain', 'a.top')], { Tag: [{ name: 'TLP:AMBER+STRICT' }] }))).to.equal(
        'amber+strict',
      );
    });
    it('an attribute tag or distribution makes it stricter, never more open', () => {
      expect(tlpOf(event([attr('domain', 'a.top', { Tag: [{ name: 'tlp:red' }] })]))).to.equal('red');
      expect(tlpOf(event([attr('domain', 'a.top', { Tag: [{ name: 'tlp:clear' }] })]))).to.equal('green');
      expect(tlpOf(event([attr('domain', 'a.top', { distribution: '0' })]))).to.equal('red');
    });
    it('without a TLP tag the distribution decides: 0 RED, 1/2/4 AMBER, 3 GREEN; none: unmarked', () => {
      const d = (distribution: unknown) => tlpOf(event([attr('domain', 'a.top')], { Tag: [], distribution }));
      expect([d('0'), d('1'), d(2), d('3'), d('4')]).to.deep.equal([
        'red',
        'amber',
        'amber',
        'green',
        'amber',
      ]);
      expect(d(undefined)).to.equal(undefined);
    });
    it('the report is as strict as its strictest indicator', () => {
      const m = mispEventToStix(
        event([attr('domain', 'a.top'), attr('domain', 'b.top', { Tag: [{ name: 'tlp:amber' }] })]),
      );
      expect(strictestTlp(m.objects[2]!)).to.equal('amber');
    });
  });

  it('maps the attributes of MISP objects with the object distribution', () => {
    const m = mispEventToStix(
      event([], {
        Object: [{ name: 'file', distribution: '1', Attribute: [attr('sha256', 'ef'.repeat(32))] }],
      }),
    );
    expect(m.counts.mapped).to.equal(1);
    expect(strictestTlp(m.objects[0]!)).to.equal('amber');
  });

  it('refuses what is not an event, naming the field', () => {
    expect(() => mispEventToStix('x')).to.throw(MispEventError, /must be a MISP event/);
    expect(() => mispEventToStix({ Event: { uuid: 'nope' } })).to.throw(MispEventError, '/Event/uuid');
  });

  describe('properties', () => {
    const TYPES = [...MISP_MAPPED_TYPES, 'regkey', 'AS', 'text', 'mutex'];
    const value = fc.oneof(
      fc.constantFrom(
        '185.220.101.7',
        '2a12:a800::1',
        'login-verify.top',
        'http://x.top/a',
        'a@b.top',
        'f.exe',
      ),
      fc.constantFrom('ab'.repeat(16), 'ab'.repeat(20), 'ab'.repeat(32), 'ab'.repeat(64)),
      fc.string({ maxLength: 40 }),
    );
    const tag = fc.constantFrom(
      'tlp:clear',
      'tlp:white',
      'tlp:green',
      'tlp:amber',
      'tlp:amber+strict',
      'tlp:red',
      'foo',
      'tlp:bogus',
    );
    const attribute = fc.record({
      uuid: fc.uuid(),
      type: fc.constantFrom(...TYPES),
      value,
      to_ids: fc.boolean(),
      deleted: fc.boolean(),
      timestamp: fc.integer({ min: 1, max: 2_000_000_000 }).map(String),
      distribution: fc.constantFrom('0', '1', '2', '3', '4', '5', undefined),
      Tag: fc.array(
        tag.map((name) => ({ name })),
        { maxLength: 2 },
      ),
    });
    const ev = fc.record({
      Tag: fc.array(
        tag.map((name) => ({ name })),
        { maxLength: 3 },
      ),
      distribution: fc.constantFrom('0', '1', '2', '3', '4', undefined),
      published: fc.boolean(),
      attrs: fc.array(attribute, { maxLength: 12 }),
      objAttrs: fc.array(attribute, { maxLength: 4 }),
    });
    it('every object made is valid STIX, every attribute is counted once, no indicator is more open than the event', () => {
      fc.assert(
        fc.property(ev, (e) => {
          const input = event(e.attrs, {
            Tag: e.Tag,
            distribution: e.distribution,
            published: e.published,
            Object: [{ name: 'x', Attribute: e.objAttrs }],
          });
          const m = mispEventToStix(input);
          for (const o of m.objects) expect(validateObject(o).errors, JSON.stringify(o)).to.deep.equal([]);
          const c = m.counts;
          const unmapped = Object.values(c.unmapped).reduce((a, b) => a + b, 0);
          expect(c.mapped + c.notToIds + c.deleted + c.invalid + unmapped).to.equal(
            e.attrs.length + e.objAttrs.length,
          );
          expect(m.objects.filter((o) => o['type'] === 'indicator')).to.have.length(c.mapped);
          if (m.tlp)
            for (const o of m.objects) expect(tlpRank(strictestTlp(o)!)).to.be.at.least(tlpRank(m.tlp));
          for (const o of m.objects)
            if (o['type'] === 'indicator')
              expect(() => extractObservables(o['pattern'] as string)).to.not.throw();
          expect(mispEventToStix(input)).to.deep.equal(m);
        }),
        { numRuns: 300 },
      );
    });
  });
});
