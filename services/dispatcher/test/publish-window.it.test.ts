import { expect } from 'chai';
import { silentLogger } from '@isac/kernel';
import {
  MqttAlertPublisher,
  type AlertPublisher,
  type OutgoingMessage,
  type PublishResult,
} from '../src/mqtt/mqtt-alert-publisher.js';
import {
  INTERNAL,
  indicatorVersion,
  org,
  sleep,
  sub,
  until,
  world,
  type Subscriber,
  type World,
} from './support.js';
import { submission } from '../../../libs/store/test/submission.js';

const ORGS = ['bank-b', 'bank-c', 'bank-d', 'bank-e', 'bank-f'];
/** The least the config allows: each recipient's ~100 KB alert fills a window alone. */
const WINDOW = 65_536;

/** Each `publishAll` the dispatcher made: its messages' organisations and payload bytes. */
interface Call {
  readonly orgs: string[];
  readonly bytes: number;
}

/**
 * The real publisher to the embedded broker, recording each call; `refuse(call)` answers that
 * call's messages as not acknowledged without publishing them (a broker refusing one window).
 */
function recording(w: World, calls: Call[], refuse: (call: number) => boolean): AlertPublisher {
  const real = new MqttAlertPublisher({
    url: `mqtt://127.0.0.1:${w.brokerPort}`,
    ...INTERNAL,
    clientId: `windowed-${calls.length}-${Math.random().toString(36).slice(2)}`,
    protocolVersion: 'auto',
    publishTimeoutMs: 2000,
    log: silentLogger,
  });
  return {
    start: () => real.start(),
    stop: () => real.stop(),
    onMessage: (f, h) => real.onMessage(f, h),
    get connected() {
      return real.connected;
    },
    async publishAll(ms: readonly OutgoingMessage[]): Promise<PublishResult[]> {
      const n = calls.length;
      calls.push({
        orgs: [...new Set(ms.map((m) => m.topic.split('/')[3]!))],
        bytes: ms.reduce((sum, m) => sum + m.payload.length, 0),
      });
      if (refuse(n)) return ms.map(() => ({ ok: false as const, error: 'refused by the test broker' }));
      return real.publishAll(ms);
    },
  };
}

/** What a subscriber got: its alerts' ids, their part numbers in order of arrival, the indicator ids (sorted). */
function received(s: Subscriber): { alertIds: string[]; parts: number[]; ids: string[] } {
  const alerts = s.messages.filter((m) => m.topic.includes('/alerts/'));
  const meta = alerts.map((m) => m.json['x_isac_alert'] as { alert_id: string; part: number });
  return {
    alertIds: [...new Set(meta.map((x) => x.alert_id))],
    parts: meta.map((x) => x.part).sort((a, b) => a - b),
    ids: alerts
      .flatMap((m) => m.json['objects'] as { id: string; type: string }[])
      .filter((o) => o.type === 'indicator')
      .map((o) => o.id)
      .sort(),
  };
}

describe('a batch is handed to the broker a window of payload bytes at a time (grouping.publishWindowBytes)', () => {
  let w: World;
  beforeEach(async () => {
    w = await world();
    await w.addOrg(org('bank-a'));
    for (const id of ORGS) {
      await w.addOrg(org(id));
      await w.stores.subscriptions.create(sub(id, 'mqtt'));
    }
    await w.startBroker();
  });
  afterEach(() => w.close());

  /** 200 indicators from bank-a: ~100 KB of alert per recipient. */
  const bulk = () => Array.from({ length: 200 }, () => indicatorVersion());

  it('publishes in windows of about the limit, never two recipients past it, and every organisation gets its alert once', async () => {
    const subs = await Promise.all(ORGS.map((id) => w.subscriber(id)));
    const calls: Call[] = [];
    const d = w.compose(
      { grouping: { windowMs: 0, publishWindowBytes: WINDOW } },
      { adapters: { publisher: recording(w, calls, () => false) } },
    );
    await d.start();
    const versions = bulk();
    await w.stores.objects.accept(submission(versions));
    w.jobsReady.notify();
    await Promise.all(subs.map((s) => s.waitFor(1, 10_000)));
    await until(
      async () => (await w.stores.jobs.list({ kind: 'distribute', limit: 1 }))[0]?.status === 'done',
    );
    await sleep(200);
    // one window per recipient: each alone is past the limit
    expect(calls.map((c) => c.orgs)).to.deep.equal(ORGS.map((id) => [id]));
    for (const c of calls) expect(c.bytes).to.be.greaterThan(WINDOW);
    for (const s of subs) {
      const { alertIds, parts, ids } = received(s);
      expect(alertIds).to.have.length(1);
      expect(parts).to.deep.equal(Array.from({ length: parts.length }, (_, k) => k + 1));
      expect(ids).to.deep.equal(versions.map((v) => v.id).sort());
    }
  });

  it('one refused window fails only its recipients: the others are marked sent, and a retry sends the refused ones alone', async () => {
    const subs = await Promise.all(ORGS.map((id) => w.subscriber(id)));
    const calls: Call[] = [];
    // the third window (bank-d) is refused once
    const d = w.compose(
      { grouping: { windowMs: 0, publishWindowBytes: WINDOW }, worker: { maxAttempts: 5 } },
      { adapters: { publisher: recording(w, calls, (n) => n === 2) } },
    );
    await d.start();
    await w.stores.objects.accept(submission(bulk()));
    w.jobsReady.notify();
    await Promise.all(subs.map((s) => s.waitFor(1, 10_000)));
    await until(
      async () => (await w.stores.jobs.list({ limit: 10 })).every((j) => j.status === 'done'),
      10_000,
    );
    await sleep(300);
    // the first run's windows, then bank-d's alert again on its own (its publish_alert job)
    expect(calls.map((c) => c.orgs)).to.deep.equal([...ORGS.map((id) => [id]), ['bank-d']]);
    for (const s of subs) {
      const { alertIds, parts, ids } = received(s);
      expect(alertIds).to.have.length(1);
      expect(parts).to.deep.equal(Array.from({ length: parts.length }, (_, k) => k + 1));
      expect(ids).to.have.length(200);
    }
    const jobs = await w.stores.jobs.list({ kind: 'publish_alert', limit: 5 });
    expect(jobs.map((j) => (j.payload as { orgId: string }).orgId)).to.deep.equal(['bank-d']);
  });
});
