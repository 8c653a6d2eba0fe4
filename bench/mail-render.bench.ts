/**
 * Submission mail rendering (issue 15 §2/§4): one 5,000-indicator submission rendered for 200
 * email subscriptions (half Japanese, half English, three time zones, one address each), sharing
 * one MailRenderCache as a fan-out does, beside one cold render (no cache). The whole email figure
 * of the issue (200 mails handed to a real SMTP server in < 10 s) includes this rendering.
 */
import { buildIndicator, type IocKind } from '../libs/stix/src/index.js';
import {
  MailRenderCache,
  renderSubmissionMail,
  type SubmissionMailInput,
} from '../services/dispatcher/src/email/submission-mail.js';
import { settleHeap, timeEach, type BenchRow } from './harness.js';

const KINDS: IocKind[] = ['ipv4', 'domain', 'url', 'sha256', 'ipv6'];
function value(kind: IocKind, i: number): string {
  switch (kind) {
    case 'ipv4':
      return `198.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    case 'domain':
      return `host-${i}.evil-example.co.jp`;
    case 'url':
      return `https://cdn-${i}.evil-example.com/payload/${i}.bin`;
    case 'ipv6':
      return `2001:db8::${i.toString(16)}`;
    default:
      return i.toString(16).padStart(64, '0');
  }
}

export default async function mailRenderBench(): Promise<readonly BenchRow[]> {
  let n = 0;
  const uuid = (): string => `00000000-0000-4000-8000-${(++n).toString(16).padStart(12, '0')}`;
  const objects = Array.from({ length: 5000 }, (_, i) => {
    const kind = KINDS[i % KINDS.length]!;
    return buildIndicator({
      kind,
      value: value(kind, i),
      tlp: 'green',
      name: `Campaign X ${kind} ${i}`,
      confidence: 70,
      labels: ['phishing'],
      validFrom: '2026-11-30T09:04:00Z',
      now: new Date('2026-11-30T09:04:00Z'),
      uuid,
    });
  });
  const zones = ['Asia/Tokyo', 'Europe/London', 'America/New_York'];
  const input = (s: number, cache?: MailRenderCache): SubmissionMailInput => ({
    hub: {
      publicUrl: 'https://hub.isac.example',
      taxii: { apiRoot: 'isac', collectionId: 'shared' },
      from: 'alerts@hub.isac.example',
    },
    subscription: {
      id: `sub-${s}`,
      lang: s % 2 === 0 ? 'ja' : 'en',
      timeZone: zones[s % zones.length],
      to: [`soc-${s}@member-${s}.example`],
    },
    alertId: `alert-${s}`,
    tlp: 'green',
    objects,
    exercise: false,
    date: new Date('2026-11-30T09:05:00Z'),
    submission: { id: 'submission-1', acceptedAt: '2026-11-30T09:04:00Z' },
    cache,
  });

  settleHeap();
  const cold = await timeEach(3, () => renderSubmissionMail(input(0)));
  settleHeap();
  let bytes = 0;
  const fanOut = await timeEach(3, async () => {
    const cache = new MailRenderCache();
    bytes = 0;
    for (let s = 0; s < 200; s++)
      for (const m of await renderSubmissionMail(input(s, cache))) bytes += m.raw.length;
  });
  return [
    { metric: 'one 5,000-object mail, cold (no cache)', value: cold[1]!, unit: 'ms', notes: 'median of 3' },
    {
      metric: '5,000-object submission → 200 subscriptions (ja/en, 3 zones)',
      value: fanOut[1]!,
      unit: 'ms',
      notes: `median of 3; ${(bytes / 200 / 1e6).toFixed(2)} MB per message`,
    },
    { metric: 'per subscription, cache shared', value: fanOut[1]! / 200, unit: 'ms' },
  ];
}
