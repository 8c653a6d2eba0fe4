import { expect } from 'chai';
import { startHubProcess, type HubProcess } from '../support/hub-process.js';
import { cliWorld, type CliRun, type CliWorld } from '../support/cli.js';
import { DEFAULT_COLLECTION_ID } from '../../services/taxii/src/config.js';

const ADMIN_PASSWORD = 'e2e-admin-password-long-enough';
const COLLECTION = DEFAULT_COLLECTION_ID;

interface WatchRow {
  readonly values: readonly string[];
}

/**
 * Issue 15 point 3, over a real one-process hub and real MQTT: a single IOC submitted with
 * `isac submit --ioc` carries confidence, valid_until, labels and kill-chain phases; one
 * subscription's filters drop it and another's keep it; `isac policy explain` says so, in counts
 * for the submitter and per organisation and subscription for a hub administrator.
 */
describe('single IOCs and subscription filters (real hub, real MQTT)', function () {
  this.timeout(120_000);
  let hub: HubProcess;
  let cli: CliWorld;
  const subs: Record<string, string> = {};
  const admin = (argv: string[]): Promise<CliRun> => cli.admin(argv);
  const as = (org: string, argv: string[]): Promise<CliRun> => cli.as(org, argv);

  before(async () => {
    hub = await startHubProcess({ ISAC_ADMIN_PASSWORD: ADMIN_PASSWORD });
    cli = await cliWorld(hub, ADMIN_PASSWORD, 'isac-ioc-filters-');
    for (const id of ['bank-a', 'bank-b', 'bank-c']) await cli.addMember(id, 'finance', 'full');
    // bank-b wants only confident indicators; bank-c wants phishing delivery indicators of 50 and up
    for (const [org, argv] of [
      ['bank-b', ['--min-confidence', '80']],
      [
        'bank-c',
        [
          '--types',
          'indicator',
          '--labels',
          'phishing',
          '--kill-chain',
          'delivery',
          '--min-confidence',
          '50',
        ],
      ],
    ] as const) {
      const s = await as(org, ['--json', 'sub', 'add', '--channel', 'mqtt', ...argv]);
      expect(s.code, s.stderr).to.equal(0);
      subs[org] = (JSON.parse(s.stdout) as { id: string }).id;
    }
  });
  after(async () => {
    await hub?.stop();
  });

  const submitIoc = async (value: string, confidence: number): Promise<string> => {
    const r = await as('bank-a', [
      '--json',
      'submit',
      '--ioc',
      value,
      '--kind',
      'domain',
      '--tlp',
      'green',
      '--confidence',
      String(confidence),
      '--valid-until',
      '30d',
      '--label',
      'phishing',
      '--label',
      'banking',
      '--kill-chain',
      'delivery',
    ]);
    expect(r.code, r.stderr).to.equal(0);
    return (JSON.parse(r.stdout) as { successes: { id: string }[] }).successes[0]!.id;
  };

  /** Submits until `watching` ends (watch needs a moment to subscribe: no fixed sleep). */
  async function submitUntil(watching: Promise<CliRun>, submit: () => Promise<void>): Promise<CliRun> {
    let done = false;
    void watching.finally(() => (done = true));
    for (let i = 0; i < 30 && !done; i++) {
      await submit();
      await new Promise((r) => setTimeout(r, 400));
    }
    return watching;
  }
  const rows = (w: CliRun): WatchRow[] =>
    w.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as WatchRow);

  it('stores what the options give, and refuses bad values naming the option and what is allowed', async () => {
    const id = await submitIoc(`stored-${crypto.randomUUID().slice(0, 8)}.example`, 60);
    const res = await fetch(`${hub.httpUrl}/taxii2/isac/collections/${COLLECTION}/objects/${id}/`, {
      headers: { Authorization: `Bearer ${cli.key('bank-a')}`, Accept: 'application/taxii+json;version=2.1' },
    });
    expect(res.status).to.equal(200);
    const o = ((await res.json()) as { objects: Record<string, unknown>[] }).objects[0]!;
    expect(o).to.deep.include({
      confidence: 60,
      labels: ['phishing', 'banking'],
      kill_chain_phases: [{ kill_chain_name: 'lockheed-martin-cyber-kill-chain', phase_name: 'delivery' }],
    });
    expect(Date.parse(o['valid_until'] as string) - Date.parse(o['valid_from'] as string)).to.be.closeTo(
      30 * 864e5,
      5000,
    );
    const bad: [string[], RegExp][] = [
      [['--confidence', '101'], /--confidence must be a whole number 0-100/],
      [['--valid-until', 'soon'], /--valid-until: 'soon' is neither a timestamp .* 30d/],
      [['--kill-chain', 'lunch'], /--kill-chain: 'lunch' is not a phase .*reconnaissance.*CHAIN:PHASE/],
      [['--label', ''], /--label must not be empty/],
    ];
    for (const [argv, msg] of bad) {
      const r = await as('bank-a', ['submit', '--ioc', 'bad.example', '--kind', 'domain', ...argv]);
      expect(r.code, argv.join(' ')).to.equal(1);
      expect(r.stderr, argv.join(' ')).to.match(msg);
    }
  });

  it('delivers over MQTT to the subscription whose filters keep it, not to the one whose filters drop it', async () => {
    const low = () => `low-${crypto.randomUUID().slice(0, 8)}.example`;
    const high = () => `high-${crypto.randomUUID().slice(0, 8)}.example`;
    const kept = await submitUntil(as('bank-c', ['--json', 'watch', '--count', '1']), async () => {
      await submitIoc(low(), 60);
    });
    expect(kept.code, kept.stderr).to.equal(0);
    expect(
      rows(kept)[0]!.values.some((v) => v.startsWith('low-')),
      kept.stdout,
    ).to.equal(true);

    // bank-b's filter (confidence 80 and up) drops every low one submitted before each high one
    const dropped = await submitUntil(as('bank-b', ['--json', 'watch', '--count', '2']), async () => {
      await submitIoc(low(), 60);
      await submitIoc(high(), 90);
    });
    expect(dropped.code, dropped.stderr).to.equal(0);
    const values = rows(dropped).flatMap((r) => r.values);
    expect(values.length).to.be.at.least(2);
    expect(
      values.filter((v) => !v.startsWith('high-')),
      dropped.stdout,
    ).to.deep.equal([]);
  });

  it('policy explain says what the filters do: counts for the submitter, per subscription for an administrator', async () => {
    const id = await submitIoc(`explain-${crypto.randomUUID().slice(0, 8)}.example`, 60);
    const mine = await as('bank-a', ['policy', 'explain', id]);
    expect(mine.code, mine.stderr).to.equal(0);
    expect(mine.stdout).to.match(
      /policy delivers to \d+; their subscriptions' filters keep it for 1, drop it for 1, \d+ without a push subscription/,
    );
    expect(mine.stdout).to.include('購読フィルタ通過 1・除外 1');
    // no names, no subscription ids for the submitter (ADR 0017)
    for (const secret of ['bank-b', 'bank-c', subs['bank-b']!, subs['bank-c']!])
      expect(mine.stdout).not.to.include(secret);

    const rows = await admin(['--json', 'policy', 'explain', id]);
    expect(rows.code, rows.stderr).to.equal(0);
    const e = JSON.parse(rows.stdout) as {
      organisations: {
        orgId: string;
        subscriptions?: { id: string; keeps: boolean; droppedBy?: string }[];
      }[];
    };
    const of = (org: string) => e.organisations.find((o) => o.orgId === org)!.subscriptions;
    expect(of('bank-b')).to.deep.equal([
      { id: subs['bank-b'], channel: 'mqtt', keeps: false, droppedBy: 'minConfidence' },
    ]);
    expect(of('bank-c')).to.deep.equal([{ id: subs['bank-c'], channel: 'mqtt', keeps: true }]);
    expect(of('bank-a')).to.deep.equal([]);
    const text = await admin(['policy', 'explain', id]);
    expect(text.stdout).to.include(`subscription ${subs['bank-b']!} (mqtt): filter minConfidence drops it`);
  });
});
