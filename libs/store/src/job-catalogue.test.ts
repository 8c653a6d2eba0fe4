import { expect } from 'chai';
import { jobKeys, payloadOf, readJob } from './job-catalogue.js';
import type { Job } from './job-catalogue.js';

const stored = (kind: string, payload: unknown): Job =>
  ({
    id: 'j1',
    kind,
    key: 'k',
    payload,
    status: 'running',
    attempts: 1,
    runAt: 'T',
    createdAt: 'T',
    updatedAt: 'T',
  }) as unknown as Job; // a row as another version of the hub may have written it

describe('job catalogue', () => {
  it('reads a payload that matches its kind as that kind', () => {
    const r = readJob(
      stored('digest', { orgId: 'o', subscriptionId: 's', windowStart: 'a', windowEnd: 'b' }),
    );
    expect(r.ok).to.equal(true);
    if (r.ok && r.job.kind === 'digest') expect(r.job.payload.subscriptionId).to.equal('s');
  });

  it('refuses a payload that does not match, naming the field', () => {
    expect(readJob(stored('distribute', { id: 'x', version: 'v' }))).to.deep.equal({
      ok: false,
      error: "distribute job payload must have required property 'submissionId'",
    });
    expect(readJob(stored('distribute_version', { id: 'x', version: 'v' }))).to.deep.equal({
      ok: false,
      error: "distribute_version job payload must have required property 'collectionId'",
    });
    expect(readJob(stored('provision_mqtt', { orgId: 'o', generation: '2' }))).to.deep.equal({
      ok: false,
      error: 'provision_mqtt job payload /generation must be integer',
    });
    expect(readJob(stored('notify', { template: 'x', orgId: 'o' })).ok).to.equal(false);
    expect(readJob(stored('send_mail', null)).ok).to.equal(false);
    expect(readJob(stored('distribute', { submissionId: 's', action: 'y' }))).to.deep.equal({
      ok: false,
      error: 'distribute job payload must NOT have additional properties (action)',
    });
  });

  it('reads a per-version distribute job an older hub wrote as the legacy kind', () => {
    const p = { collectionId: 'c', id: 'indicator--a', version: '2026-01-01T00:00:00Z' };
    const r = readJob(stored('distribute', p));
    expect(r.ok && r.job.kind).to.equal('distribute_version');
    if (r.ok && r.job.kind === 'distribute_version') expect(r.job.payload).to.deep.equal(p);
    const s = readJob(stored('distribute', { submissionId: 's1' }));
    expect(s.ok && s.job.kind === 'distribute' && s.job.payload.submissionId).to.equal('s1');
  });

  it('refuses a kind it does not know', () => {
    expect(readJob(stored('deliver_alert', {}))).to.deep.equal({
      ok: false,
      error: 'unknown job kind deliver_alert',
    });
  });

  it('gives a payload of the kind asked for, or throws', () => {
    const p = { orgId: 'o', generation: 3 };
    expect(payloadOf(stored('provision_mqtt', p), 'provision_mqtt')).to.deep.equal(p);
    expect(() => payloadOf(stored('provision_mqtt', p), 'notify')).to.throw(/not notify/);
  });

  it('builds one key format per kind', () => {
    const at = new Date('2026-03-01T00:00:00Z');
    expect(jobKeys.provisionMqtt('bank-a', 2, at)).to.equal(
      'provision_mqtt:bank-a:2:2026-03-01T00:00:00.000Z',
    );
    expect(jobKeys.distribute('0190b7c2-0000-7000-8000-000000000001')).to.equal(
      'distribute:0190b7c2-0000-7000-8000-000000000001',
    );
    expect(jobKeys.sendMail(jobKeys.digest('s1', 'W'))).to.equal('send_mail:digest:s1:W');
  });
});
