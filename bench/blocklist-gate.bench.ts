/**
 * libs/policy block-list gate (issue 14, section 3): checks per second over 100,000 mixed
 * observables (addresses, ranges, domains, URLs, e-mail addresses, hashes; about a quarter of them
 * on a list), against the shipped warning lists plus a 1,000-entry allow-list and the hub's hosts.
 */
import type { ObservableKind } from '@isac/kernel';
import { BlocklistGate, type GateObservable } from '../libs/policy/src/blocklist-gate/index.js';
import type { BenchRow } from './harness.js';

const N = 100_000;

/** Deterministic pseudo-random numbers (a linear congruential generator), so runs compare. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s;
  };
}

function observables(): GateObservable[] {
  const r = lcg(14);
  const octet = (): number => r() % 256;
  const hex = (n: number): string => Array.from({ length: n }, () => (r() % 16).toString(16)).join('');
  const label = (): string => `n${(r() % 1_000_000).toString(36)}`;
  const listed: [ObservableKind, string][] = [
    ['ipv4', '8.8.8.8'],
    ['ipv4', '10.1.2.3'],
    ['ipv4', '104.16.1.1'],
    ['ipv6', '2001:4860:4860::8888'],
    ['domain', 'login.microsoft.com'],
    ['domain', 'www.example.com'],
    ['url', 'https://drive.google.com/file/d/x'],
    ['file-hash', 'd41d8cd98f00b204e9800998ecf8427e'],
  ];
  const out: GateObservable[] = [];
  for (let i = 0; i < N; i++) {
    const k = r() % 20;
    let o: [ObservableKind, string];
    if (k < 5) o = listed[r() % listed.length]!;
    else if (k < 10) o = ['ipv4', `${1 + (r() % 223)}.${octet()}.${octet()}.${octet()}`];
    else if (k < 11) o = ['ipv4', `${1 + (r() % 223)}.${octet()}.${octet()}.0/${22 + (r() % 11)}`];
    else if (k < 13) o = ['ipv6', `2a0${r() % 10}:${hex(4)}:${hex(4)}::${hex(3)}`];
    else if (k < 16) o = ['domain', `${label()}.${label()}.${['com', 'net', 'jp', 'co.jp', 'io'][r() % 5]}`];
    else if (k < 18) o = ['url', `https://${label()}.example-${r() % 100}.net/${label()}?q=${label()}`];
    else if (k < 19) o = ['email', `${label()}@${label()}.co.jp`];
    else o = ['file-hash', hex(64)];
    out.push({ kind: o[0], value: o[1] });
  }
  return out;
}

export default function blocklistGateBench(): Promise<readonly BenchRow[]> {
  const allowList = Array.from({ length: 1000 }, (_, i) => `45.${i >> 8}.${i & 255}.0/24`);
  const t0 = process.hrtime.bigint();
  const gate = new BlocklistGate({ allowList, hubHosts: ['hub.isac.example.jp', '45.33.32.10'] });
  const buildMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const input = observables();

  let refused = 0;
  const pass = (): number => {
    refused = 0;
    const start = process.hrtime.bigint();
    for (const o of input) if (!gate.check(o).ok) refused++;
    return N / (Number(process.hrtime.bigint() - start) / 1e9);
  };
  pass(); // warm up
  let best = 0;
  for (let t = 0; t < 5; t++) best = Math.max(best, pass());

  return Promise.resolve([
    {
      metric: 'checks/s, 100k mixed observables',
      value: best,
      unit: 'checks/s',
      notes: `best of 5 passes; ${refused} of ${N} refused; ${gate.lists.length} lists, 1000 allow-list ranges`,
    },
    { metric: 'gate construction (shipped lists)', value: buildMs, unit: 'ms' },
  ]);
}
