import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startHubProcess, type HubProcess } from '../support/hub-process.js';
import { cliWorld, type CliRun, type CliWorld } from '../support/cli.js';

const ADMIN_PASSWORD = 'e2e-admin-password-long-enough';

function indicator(value: string, marking?: string): Record<string, unknown> {
  const now = new Date().toISOString();
  return {
    type: 'indicator',
    spec_version: '2.1',
    id: `indicator--${crypto.randomUUID()}`,
    created: now,
    modified: now,
    name: `C2 ${value}`,
    pattern: `[ipv4-addr:value = '${value}']`,
    pattern_type: 'stix',
    valid_from: now,
    ...(marking ? { object_marking_refs: [marking] } : {}),
  };
}

/**
 * `isac submit` and `isac watch` against a real one-process hub (issue 16): what was accepted and
 * what its TLP means (from the hub's policy verdicts), duplicates said plainly, --tlp spellings, a
 * single object accepted, and alerts one line each.
 */
describe('isac submit and watch output (real hub)', function () {
  this.timeout(120_000);
  let hub: HubProcess;
  let cli: CliWorld;
  let work: string;

  const as = (org: string, argv: string[]): Promise<CliRun> => cli.as(org, argv);
  const file = (name: string, content: unknown): string => {
    const p = path.join(work, name);
    writeFileSync(p, JSON.stringify(content));
    return p;
  };

  before(async () => {
    hub = await startHubProcess({ ISAC_ADMIN_PASSWORD: ADMIN_PASSWORD });
    cli = await cliWorld(hub, ADMIN_PASSWORD, 'isac-cli-submit-');
    work = cli.work;
    for (const [id, tier, sector] of [
      ['bank-a', 'full', 'finance'],
      ['bank-b', 'full', 'finance'],
      ['trial-c', 'trial', 'finance'],
      ['partner-d', 'partner', 'telecom'],
      ['gov-e', 'government', 'government'],
    ] as const)
      await cli.addMember(id, sector, tier);
  });
  after(async () => {
    await hub?.stop();
  });

  it('prints the ids accepted and the TLP applied with its consequence from the policy, in English and Japanese', async () => {
    const o = indicator('203.0.113.7');
    const r = await as('bank-a', [
      'submit',
      file('unmarked.json', { type: 'bundle', id: `bundle--${crypto.randomUUID()}`, objects: [o] }),
    ]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.include(`accepted ${o['id'] as string}`);
    expect(r.stdout, r.stdout).to.include('1 accepted, 0 already stored');
    expect(r.stdout).to.include(
      'TLP:AMBER (default: no marking given) — trial, partner and government members will not receive it',
    );
    expect(r.stdout).to.include(
      'TLP:AMBER（既定値: マーキングなし）— trial・partner・government の会員には配信されません',
    );

    const green = await as('bank-a', [
      'submit',
      '--tlp',
      'TLP:GREEN',
      file('g.json', {
        type: 'bundle',
        id: `bundle--${crypto.randomUUID()}`,
        objects: [indicator('203.0.113.8')],
      }),
    ]);
    expect(green.code, green.stderr).to.equal(0);
    expect(green.stdout).to.match(/TLP:GREEN \(default: no marking given\) — /);
    expect(green.stdout).not.to.include('TLP:AMBER');
  });

  it('says plainly when an id is already stored (same version), instead of "1 accepted"', async () => {
    const o = indicator('203.0.113.9');
    const p = file('dup.json', { type: 'bundle', id: `bundle--${crypto.randomUUID()}`, objects: [o] });
    expect((await as('bank-a', ['submit', p])).code).to.equal(0);
    const again = await as('bank-a', ['submit', p]);
    expect(again.code, again.stderr).to.equal(0);
    expect(again.stdout).to.include('0 accepted, 1 already stored (same version)');
    expect(again.stdout).to.include(`already stored ${o['id'] as string}`);
    expect(again.stdout).not.to.include('1 accepted');
  });

  it('says a new version of an object already stored is one, in both languages', async () => {
    const o = indicator('203.0.113.11');
    expect((await as('bank-a', ['submit', file('v1.json', o)])).code).to.equal(0);
    const v2 = { ...o, modified: new Date(Date.parse(o['modified'] as string) + 1000).toISOString() };
    const r = await as('bank-a', ['submit', file('v2.json', v2)]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.include('1 accepted (1 of them new versions of objects already stored)');
    expect(r.stdout).to.include(
      `accepted ${o['id'] as string} (${v2.modified}), new version of an object already stored / 既存オブジェクトの新しい版`,
    );
    const fresh = await as('bank-a', ['submit', file('v3.json', indicator('203.0.113.12'))]);
    expect(fresh.stdout).not.to.include('new version');
  });

  it('takes --tlp in any spelling, says what white maps to, and refuses others naming the allowed values', async () => {
    for (const t of ['green', 'GREEN', 'TLP:GREEN', 'amber+strict', 'TLP:AMBER+STRICT', 'clear', 'white']) {
      const r = await as('bank-a', [
        'submit',
        '--ioc',
        `t-${crypto.randomUUID().slice(0, 8)}.example`,
        '--kind',
        'domain',
        '--tlp',
        t,
      ]);
      expect(r.code, `${t}: ${r.stderr}`).to.equal(0);
      const want = t.toUpperCase().replace(/^TLP:/, '').replace('WHITE', 'CLEAR');
      expect(r.stdout, t).to.include(`TLP:${want} (marked on the object)`);
      if (t === 'white') expect(r.stdout).to.include('TLP:WHITE (TLP 1.0) is TLP:CLEAR');
    }
    const bad = await as('bank-a', ['submit', '--ioc', 'x.example', '--kind', 'domain', '--tlp', 'orange']);
    expect(bad.code).to.equal(1);
    expect(bad.stderr).to.include('--tlp must be one of: clear, green, amber, amber+strict, red');
    expect(bad.stderr).to.include('orange');
  });

  it('accepts a single STIX object file, as stix validate does', async () => {
    const o = indicator('203.0.113.10');
    const p = file('one.json', o);
    const v = await as('bank-a', ['stix', 'validate', p]);
    expect(v.code, v.stdout).to.equal(0);
    const r = await as('bank-a', ['submit', p]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.include(`accepted ${o['id'] as string}`);
  });

  /** Submits as bank-a until `watching` ends (watch needs a moment to subscribe: no fixed sleep). */
  async function submitUntil(watching: Promise<CliRun>, submit: () => Promise<void>): Promise<CliRun> {
    let done = false;
    void watching.finally(() => (done = true));
    for (let i = 0; i < 30 && !done; i++) {
      await submit();
      await new Promise((r) => setTimeout(r, 400));
    }
    return watching;
  }

  it('watch warns when the organisation has no MQTT subscription, in both languages', async () => {
    const w = await as('gov-e', ['watch', '--count', '1', '--mqtt-url', 'mqtt://127.0.0.1:1']);
    expect(w.stderr).to.include('gov-e has no MQTT subscription');
    expect(w.stderr).to.include('isac sub add --channel mqtt');
    expect(w.stderr).to.include('MQTT の配信設定がない');
  });

  it('watch prints one line per alert (time, TLP, type, value, ack id), counts alerts only, and --json is NDJSON', async () => {
    const sub = await as('bank-b', ['sub', 'add', '--channel', 'mqtt']);
    expect(sub.code, sub.stderr).to.equal(0);
    const quiet = await as('bank-b', ['watch', '--count', '1', '--mqtt-url', 'mqtt://127.0.0.1:1']);
    expect(quiet.stderr).not.to.include('no MQTT subscription');

    const GREEN = 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb';
    // --count 8: alerts of earlier tests' submissions may still be on their way to bank-b (their
    // distribution runs after its subscription was added); each line is one alert, ours among them
    const watched = await submitUntil(as('bank-b', ['watch', '--count', '8']), async () => {
      const objs = [
        indicator('198.51.100.1', GREEN),
        indicator('198.51.100.2', GREEN),
        indicator('198.51.100.3', GREEN),
      ];
      const r = await as('bank-a', [
        'submit',
        file('three.json', { type: 'bundle', id: `bundle--${crypto.randomUUID()}`, objects: objs }),
      ]);
      expect(r.code, r.stderr).to.equal(0);
    });
    expect(watched.code, watched.stderr).to.equal(0);
    const lines = watched.stdout.trim().split('\n');
    // one line per alert: --count 8 stops after eight
    expect(lines, watched.stdout).to.have.length(8);
    for (const line of lines)
      expect(line).to.match(/^\d{4}-\d\d-\d\dT[\d:.]+Z {2}TLP:[A-Z+]+ {2}.+ {2}ack [0-9a-f-]{36}$/);
    expect(
      lines.some((l) =>
        // the same three values are submitted again until watch has its alerts: a repeat says so (ADR 0044)
        /^\d{4}-\d\d-\d\dT[\d:.]+Z {2}TLP:GREEN {2}(\[update\/更新\] {2})?3 indicators: 198\.51\.100\.\d, 198\.51\.100\.\d, 198\.51\.100\.\d {2}(3 values reported before \/ 既報の値 3件 {2})?ack [0-9a-f-]{36}$/.test(
          l,
        ),
      ),
      watched.stdout,
    ).to.equal(true);

    const json = await submitUntil(as('bank-b', ['--json', 'watch', '--count', '2']), async () => {
      const r = await as('bank-a', [
        'submit',
        '--ioc',
        `w-${crypto.randomUUID().slice(0, 8)}.example`,
        '--kind',
        'domain',
        '--tlp',
        'green',
      ]);
      expect(r.code, r.stderr).to.equal(0);
    });
    expect(json.code, json.stderr).to.equal(0);
    const rows = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { tlp: string; alert_id: string; counts: Record<string, number> });
    expect(rows).to.have.length(2);
    for (const r of rows) {
      expect(r.tlp).to.match(/^(clear|green|amber|amber\+strict|red)$/);
      expect(r.alert_id).to.match(/^[0-9a-f-]{36}$/);
      expect(r.counts['indicator']).to.be.at.least(1);
    }
    expect(rows.some((r) => r.tlp === 'green')).to.equal(true);
  });

  it('watch says when a value was reported before, counted over what the watcher may see, and marks an update', async () => {
    const sub = await as('trial-c', ['sub', 'add', '--channel', 'mqtt']);
    expect(sub.code, sub.stderr).to.equal(0);
    const value = `r-${crypto.randomUUID().slice(0, 8)}.example`;
    /** The GREEN reports of the value, in the order they were stored. */
    const greens: string[] = [];
    const report = async (tlp: 'green' | 'amber'): Promise<void> => {
      const r = await as('bank-a', ['submit', '--ioc', value, '--kind', 'domain', '--tlp', tlp]);
      expect(r.code, r.stderr).to.equal(0);
      const id = /accepted (indicator--[0-9a-f-]{36})/.exec(r.stdout)?.[1];
      expect(id, r.stdout).to.be.a('string');
      if (tlp === 'green') greens.push(id!);
    };
    // an AMBER report first, which the trial member may not see, then GREEN ones
    await report('amber');
    await report('green');
    // trial-c had no subscription before: every alert it gets is of this value
    const json = await submitUntil(as('trial-c', ['--json', 'watch', '--count', '2']), () => report('green'));
    expect(json.code, json.stderr).to.equal(0);
    type Payload = { objects: { type: string; id: string }[]; x_isac_alert: Record<string, unknown> };
    const rows = json.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { payload: Payload }).payload);
    expect(rows).to.have.length(2);
    for (const p of rows) {
      const k = greens.indexOf(p.objects.find((o) => o.type === 'indicator')!.id);
      expect(k, JSON.stringify(p)).to.be.at.least(0);
      const correlation = p.x_isac_alert['correlation'] as Record<string, unknown>[] | undefined;
      if (k === 0) {
        // only the AMBER report came before it: for the trial member, never reported
        expect(correlation, JSON.stringify(p)).to.equal(undefined);
        expect(p.x_isac_alert['kind']).to.equal(undefined);
      } else {
        // the GREEN reports before it, and not the AMBER one
        expect(correlation![0], JSON.stringify(p)).to.include({
          value,
          reports: k,
          sectors: 1,
          update: true,
        });
        expect(p.x_isac_alert['kind']).to.equal('update');
      }
    }
    // the line a person reads says the same, in both languages
    const text = await submitUntil(as('trial-c', ['watch', '--count', '1']), () => report('green'));
    expect(text.code, text.stderr).to.equal(0);
    const escaped = value.replace(/\./g, '\\.');
    expect(text.stdout.trim()).to.match(
      new RegExp(
        `^\\S+ {2}TLP:GREEN {2}\\[update/更新\\] {2}indicator ${escaped} {2}reported before: \\d+ reports?, 1 sector / 既報 \\d+件・1業種 {2}ack [0-9a-f-]{36}$`,
      ),
    );
  });
});
