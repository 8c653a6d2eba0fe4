import { expect } from 'chai';
import fc from 'fast-check';
import { tlp2Marking, validateBundle } from '@isac/stix';
import {
  alertPartBundleId,
  alertPartCount,
  alertParts,
  partStarts,
  serialisable,
  type AlertContent,
} from './alert-chunks.js';

const ALERT = '0190f000-0000-7000-8000-000000000001';

function indicator(k: number, extra = ''): Record<string, unknown> {
  return {
    type: 'indicator',
    spec_version: '2.1',
    id: `indicator--00000000-0000-4000-9000-${k.toString(16).padStart(12, '0')}`,
    created: '2026-05-01T00:00:00.000Z',
    modified: '2026-05-01T00:00:00.000Z',
    name: `Scanner ${k}${extra}`,
    pattern: `[ipv4-addr:value = '198.51.100.${k % 256}']`,
    pattern_type: 'stix',
    valid_from: '2026-05-01T00:00:00.000Z',
    object_marking_refs: [tlp2Marking('green').id],
  };
}

const alert = (objects: Record<string, unknown>[], over: Partial<AlertContent> = {}): AlertContent => ({
  alertId: ALERT,
  orgId: 'bank-b',
  tlp: 'green',
  exercise: false,
  submissionIds: ['s1'],
  objects: objects.map(serialisable),
  ...over,
});

type Bundle = { id: string; objects: { id: string; type: string }[]; x_isac_alert: Record<string, unknown> };

describe('alert parts (pure)', () => {
  it('splits by maxObjects and maxBytes, never splitting an object, a too-large object alone', () => {
    expect(partStarts([10, 10, 10, 10, 10], { maxObjects: 2, maxBytes: 1000 }, 0)).to.deep.equal([0, 2, 4]);
    // envelope 50: 50+30 = 80, +1+30 = 111 > 100 -> new part
    expect(partStarts([30, 30, 30], { maxObjects: 10, maxBytes: 100 }, 50)).to.deep.equal([0, 1, 2]);
    expect(partStarts([10, 500, 10, 10], { maxObjects: 10, maxBytes: 100 }, 20)).to.deep.equal([0, 1, 2]);
    expect(partStarts([], { maxObjects: 10, maxBytes: 100 }, 20)).to.deep.equal([]);
  });

  it('makes each part a valid STIX bundle with x_isac_alert, TLP markings, MQTT 5 user properties and the type topic', () => {
    const parts = alertParts(alert([indicator(1), indicator(2), indicator(3)]), {
      maxObjects: 2,
      maxBytes: 262_144,
    });
    expect(parts.map((p) => [p.part, p.parts, p.from, p.to])).to.deep.equal([
      [1, 2, 0, 2],
      [2, 2, 2, 3],
    ]);
    for (const p of parts) {
      const b = JSON.parse(String(p.message.payload)) as Bundle;
      const report = validateBundle(b);
      expect(report.valid, JSON.stringify(report)).to.equal(true);
      expect(b.id).to.equal(alertPartBundleId(ALERT, p.part)).and.to.equal(p.bundleId);
      expect(b.x_isac_alert).to.deep.equal({
        alert_id: ALERT,
        part: p.part,
        parts: 2,
        submission_ids: ['s1'],
        exercise: false,
      });
      expect(b.objects.at(-1)!.id).to.equal(tlp2Marking('green').id);
      expect(p.message.topic).to.equal('isac/v1/orgs/bank-b/alerts/green/indicator');
      expect(p.message.userProperties).to.deep.equal({
        alertId: ALERT,
        part: String(p.part),
        parts: '2',
        tlp: 'green',
        exercise: 'false',
      });
      expect(p.bytes).to.equal(Buffer.byteLength(String(p.message.payload)));
    }
  });

  it('names mixed types `bundle` and puts exercises on exercise topics only', () => {
    const malware = {
      type: 'malware',
      spec_version: '2.1',
      id: 'malware--00000000-0000-4000-8000-000000000001',
      created: '2026-05-01T00:00:00.000Z',
      modified: '2026-05-01T00:00:00.000Z',
      name: 'm',
      is_family: false,
    };
    const [p] = alertParts(alert([indicator(1), malware], { exercise: true, tlp: 'amber' }), {
      maxObjects: 1000,
      maxBytes: 262_144,
    });
    expect(p!.message.topic).to.equal('isac/v1/orgs/bank-b/exercise/alerts/amber/bundle');
    expect(p!.message.userProperties).to.include({ exercise: 'true', tlp: 'amber' });
    const b = JSON.parse(String(p!.message.payload)) as Bundle;
    expect(b.x_isac_alert['exercise']).to.equal(true);
    // the objects reference TLP:GREEN; that definition travels with them
    expect(b.objects.map((o) => o.id)).to.include(tlp2Marking('green').id);
  });

  it('derives the same bundle ids on every run, different per alert and part', () => {
    const a = alertParts(alert([indicator(1), indicator(2)]), { maxObjects: 1, maxBytes: 262_144 });
    const b = alertParts(alert([indicator(1), indicator(2)]), { maxObjects: 1, maxBytes: 262_144 });
    expect(a.map((p) => p.bundleId)).to.deep.equal(b.map((p) => p.bundleId));
    expect(new Set(a.map((p) => p.bundleId)).size).to.equal(2);
    const other = alertParts(alert([indicator(1)], { alertId: '0190f000-0000-7000-8000-000000000002' }), {
      maxObjects: 1,
      maxBytes: 262_144,
    });
    expect(other[0]!.bundleId).to.not.equal(a[0]!.bundleId);
    expect(a[0]!.bundleId).to.match(
      /^bundle--[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('property: parts reassemble to exactly the alert’s objects and entries in order, each valid, its size exact and under maxBytes unless alone', () => {
    // entries per object: how many refusals and correlation values it carries (non-ASCII text)
    const entries = fc.array(fc.tuple(fc.nat({ max: 2 }), fc.nat({ max: 3 })), { maxLength: 60 });
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: 3000 }), { minLength: 1, maxLength: 60 }),
        entries,
        fc.integer({ min: 1, max: 25 }),
        fc.integer({ min: 4096, max: 20_000 }),
        (pads, counts, maxObjects, maxBytes) => {
          const objects = pads.map((n, k) => indicator(k, 'é'.repeat(n)));
          const refusals = new Map<number, string[]>();
          const correlations = new Map<number, string[]>();
          counts.slice(0, objects.length).forEach(([r, c], k) => {
            if (r > 0)
              refusals.set(
                k,
                Array.from({ length: r }, (_, i) => JSON.stringify({ k, i, message_ja: '拒否' })),
              );
            if (c > 0)
              correlations.set(
                k,
                Array.from({ length: c }, (_, i) => JSON.stringify({ k, i, v: 'ü' })),
              );
          });
          const parts = alertParts(alert(objects, { refusals, correlations }), { maxObjects, maxBytes });
          const got: string[] = [];
          const listed = { refusals: [] as unknown[], correlation: [] as unknown[] };
          for (const p of parts) {
            expect(p.bytes).to.equal(Buffer.byteLength(String(p.message.payload)));
            const b = JSON.parse(String(p.message.payload)) as Bundle;
            listed.refusals.push(...((b.x_isac_alert['blocklist_refusals'] as unknown[] | undefined) ?? []));
            listed.correlation.push(...((b.x_isac_alert['correlation'] as unknown[] | undefined) ?? []));
            expect(validateBundle(b).valid).to.equal(true);
            const own = b.objects.filter((o) => o.type !== 'marking-definition');
            expect(own.length).to.be.at.most(maxObjects);
            if (own.length > 1) expect(p.bytes).to.be.at.most(maxBytes);
            expect(b.x_isac_alert['parts']).to.equal(parts.length);
            got.push(...own.map((o) => JSON.stringify(o)));
          }
          expect(got).to.deep.equal(objects.map((o) => JSON.stringify(o)));
          const inOrder = (m: Map<number, string[]>) =>
            [...m.keys()]
              .sort((a, b) => a - b)
              .flatMap((k) => m.get(k)!.map((j) => JSON.parse(j) as unknown));
          expect(listed.refusals).to.deep.equal(inOrder(refusals));
          expect(listed.correlation).to.deep.equal(inOrder(correlations));
        },
      ),
      { numRuns: 60 },
    );
  });
  it("property: an objects list shared by many alerts (as the plan shares alike recipients' lists) gives each the bytes it would alone", () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: 800 }), { minLength: 1, maxLength: 40 }),
        fc.array(fc.tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 2048, max: 9000 })), {
          minLength: 1,
          maxLength: 3,
        }),
        fc.nat({ max: 3 }),
        (pads, limitsList, recipients) => {
          const shared = pads.map((n, k) => serialisable(indicator(k, 'é'.repeat(n))));
          // each recipient its own alert id, some with entries of their own for the same objects
          const contents = Array.from({ length: recipients + 1 }, (_, r) => ({
            alertId: `0190f000-0000-7000-8000-${String(r + 2).padStart(12, '0')}`,
            entries:
              r % 2 === 1
                ? new Map([[0, [JSON.stringify({ recipient: r, message_ja: '拒否' })]]])
                : undefined,
          }));
          const content = (objects: AlertContent['objects'], c: (typeof contents)[number]): AlertContent => ({
            ...alert([]),
            alertId: c.alertId,
            objects,
            refusals: c.entries,
          });
          for (const [maxObjects, maxBytes] of limitsList) {
            const limits = { maxObjects, maxBytes };
            // the fan-out is recorded first: every recipient's alert counted over the one list
            for (const c of contents) alertPartCount(content(shared, c), limits);
            for (const c of contents) {
              const alone = alertParts(content([...shared], c), limits);
              const viaShared = alertParts(content(shared, c), limits);
              expect(viaShared.map((p) => String(p.message.payload))).to.deep.equal(
                alone.map((p) => String(p.message.payload)),
              );
            }
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
