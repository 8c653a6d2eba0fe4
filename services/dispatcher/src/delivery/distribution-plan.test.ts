import { expect } from 'chai';
import { PolicyEngine } from '@isac/policy';
import { deliveryKey, type Fanout, type ObjectVersion } from '@isac/store';
import { HUB, indicatorVersion, org, sub } from '../../test/support.js';
import { planDistribution, releaseAudit, subscriptionsByOrg } from './distribution-plan.js';

const NOW = new Date('2026-05-02T00:00:00.000Z');
const version = (tlp: 'green' | 'amber' = 'green'): ObjectVersion => ({
  ...indicatorVersion({}, tlp),
  dateAdded: '2026-05-02T00:00:00.000000Z',
});

describe('distribution plan (pure)', () => {
  const submitter = org('bank-a');
  const orgs = new Map(
    [
      submitter,
      org('bank-b'),
      org('sme-t', {
        tier: 'trial',
        trial: { startsAt: '2026-01-01T00:00:00Z', endsAt: '2027-01-01T00:00:00Z' },
      }),
    ].map((o) => [o.id, o]),
  );
  const digest = sub('bank-b', 'email', {
    id: 'sub-digest',
    email: { to: ['d@b.example'], mode: 'daily', lang: 'en' },
  });
  const subs = subscriptionsByOrg([
    sub('bank-b', 'mqtt'),
    sub('bank-b', 'email', { email: { to: ['soc@b.example'], mode: 'immediate', lang: 'ja' } }),
    digest,
    sub('sme-t', 'mqtt'),
  ]);
  const plan = (v: ObjectVersion) =>
    planDistribution({
      version: v,
      submitter,
      orgs,
      subscriptions: subs,
      policy: new PolicyEngine(),
      hub: HUB,
      now: NOW,
      blocklistEnabled: true,
    });

  it('plans one fan-out for the MQTT subscribers, an immediate email and a digest item, each with its channel and subscription as fields', () => {
    const v = version();
    const p = plan(v);
    expect(p.recipients.map((r) => r.org.id)).to.deep.equal(['bank-b', 'sme-t']);
    expect(p.fanout?.recipients).to.deep.equal([
      { orgId: 'bank-b', tlp: 'green' },
      { orgId: 'sme-t', tlp: 'green' },
    ]);
    expect(p.emails.map((d) => [d.orgId, d.channel, d.subscriptionId, d.key])).to.deep.equal([
      ['bank-b', 'email', undefined, deliveryKey(v.id, v.version, 'bank-b', 'email')],
      ['bank-b', 'email', 'sub-digest', deliveryKey(v.id, v.version, 'bank-b', 'email-digest:sub-digest')],
    ]);
    expect(p.emailNow.map((e) => e.delivery.key)).to.deep.equal([p.emails[0]!.key]);
    expect(p.blocklist).to.equal('add');
  });

  it('leaves out the organisations the policy denies', () => {
    const p = plan(version('amber'));
    expect(p.recipients.map((r) => r.org.id)).to.deep.equal(['bank-b']);
    expect(p.fanout?.recipients.map((r) => r.orgId)).to.deep.equal(['bank-b']);
  });

  it('audits the fan-out recipients a run added and the email deliveries it recorded first', () => {
    const v = version();
    const p = plan(v);
    const fanout: Fanout = {
      id: 7,
      objectId: v.id,
      version: v.version,
      channel: 'mqtt',
      createdAt: 'T',
      recipients: p.fanout!.recipients.map((r, index) => ({
        ...r,
        index,
        alertId: `alert-${index}`,
        status: 'pending',
        attempts: 0,
      })),
      added: [1],
    };
    const audit = releaseAudit(p, { fanout, freshEmails: new Set([p.emails[1]!.key]) }, 'AT');
    expect(audit.map((r) => [r.target, r.details])).to.deep.equal([
      [
        { kind: 'object', id: v.id },
        {
          version: v.version,
          channel: 'mqtt',
          fanoutId: 7,
          recipients: [{ orgId: 'sme-t', alertId: 'alert-1', tlp: 'green', rule: 'anonymity.replaced' }],
        },
      ],
      [
        { kind: 'object', id: v.id, orgId: 'bank-b' },
        {
          version: v.version,
          channel: 'email-digest:sub-digest',
          alertId: p.emails[1]!.alertId,
          tlp: 'green',
          rule: 'anonymity.replaced',
        },
      ],
    ]);
    expect(releaseAudit(p, { fanout: { ...fanout, added: [] }, freshEmails: new Set() }, 'AT')).to.deep.equal(
      [],
    );
  });
});
