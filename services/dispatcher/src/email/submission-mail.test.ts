import { ValidationError, type TlpLevel } from '@isac/kernel';
import { buildIndicator, tlp2Marking, validateBundle, type IocKind } from '@isac/stix';
import { expect } from 'chai';
import { unzipSync } from 'fflate';
import { parse as parseCsv } from 'csv-parse/sync';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { unzipTest } from '../../test/mail-attachments.js';
import { csvValue, MAIL_CSV_COLUMNS } from './mail-csv.js';
import type { MailLang } from './mail-text.js';
import {
  composeDigestMail,
  composeSubmissionMail,
  MailRenderCache,
  renderRetractionMail,
  renderSubmissionMail,
  type MailHub,
  type OutgoingMail,
  type SubmissionMailInput,
} from './submission-mail.js';

type Json = Readonly<Record<string, unknown>>;

const hub: MailHub = {
  publicUrl: 'https://hub.isac.example:8443/',
  taxii: { apiRoot: 'isac', collectionId: '9cfa669c-ee94-4ece-afd2-f8edac37d8fd' },
  from: '"ISAC Hub" <alerts@hub.isac.example>',
};
const NOW = new Date('2026-11-30T09:05:00Z');
let seq = 0;
const uuid = (): string => `00000000-0000-4000-8000-${String(++seq).padStart(12, '0')}`;

function indicator(kind: IocKind, value: string, tlp: TlpLevel, name?: string): Json {
  return buildIndicator({
    kind,
    value,
    tlp,
    name,
    now: new Date('2026-11-30T09:04:00Z'),
    validFrom: '2026-11-30T09:04:00Z',
    validUntil: '2026-12-30T09:04:00Z',
    confidence: 80,
    labels: ['phishing'],
    uuid,
  });
}

function malware(name: string, tlp: TlpLevel): Json {
  return {
    type: 'malware',
    spec_version: '2.1',
    id: `malware--${uuid()}`,
    created: '2026-11-30T09:04:00.000Z',
    modified: '2026-11-30T09:04:00.000Z',
    name,
    is_family: true,
    object_marking_refs: [tlp2Marking(tlp).id],
  };
}

/** Values as given; the body must show them only defanged. */
const IOCS: [IocKind, string, string][] = [
  ['url', 'http://evil-example.co.jp/login', 'hxxp://evil-example[.]co[.]jp/login'],
  ['domain', 'evil-example.co.jp', 'evil-example[.]co[.]jp'],
  ['ipv4', '203.0.113.7', '203.0.113[.]7'],
  ['ipv6', '2001:db8::1', '2001[:]db8[:][:]1'],
  ['email', 'phish@evil-example.co.jp', 'phish[@]evil-example[.]co[.]jp'],
];

function objects(tlp: TlpLevel): Json[] {
  return [...IOCS.map(([k, v]) => indicator(k, v, tlp, `C2 ${k}`)), malware('Emotet', tlp)];
}

function input(over: Partial<SubmissionMailInput> = {}): SubmissionMailInput {
  return {
    hub,
    subscription: { id: 'sub-1', lang: 'en', to: ['soc@member.example', 'ciso@member.example'] },
    alertId: 'b0c1d2e3-f405-4617-8829-3a4b5c6d7e8f',
    tlp: 'green',
    objects: objects('green'),
    exercise: false,
    date: NOW,
    submission: { id: 'f1e2d3c4-b5a6-4978-8a6b-5c4d3e2f1a0b', acceptedAt: '2026-11-30T09:04:00Z' },
    ...over,
  };
}

const parseAll = (ms: readonly OutgoingMail[]): Promise<ParsedMail[]> =>
  Promise.all(ms.map((m) => simpleParser(m.raw)));
const addrs = (a: AddressObject | AddressObject[] | undefined): string[] =>
  (Array.isArray(a) ? a : a ? [a] : []).flatMap((x) => x.value.map((v) => v.address ?? ''));
const headerBlock = (m: OutgoingMail): string => m.raw.toString('utf8').split('\r\n\r\n')[0]!;

describe('submission mail', () => {
  const rows: {
    lang: MailLang;
    tz?: string;
    tlp: TlpLevel;
    exercise: boolean;
    time: string;
    tag: string;
    handling: RegExp;
  }[] = [
    {
      lang: 'en',
      tlp: 'green',
      exercise: false,
      time: '2026-11-30 18:04 JST (09:04 UTC)',
      tag: '',
      handling:
        /TLP:GREEN: you may share this with peers and partner organisations in your community, but not through publicly accessible channels/,
    },
    {
      lang: 'ja',
      tlp: 'clear',
      exercise: true,
      time: '2026-11-30 18:04 JST (09:04 UTC)',
      tag: '[演習]',
      handling: /TLP:CLEAR: 開示に制限はありません/,
    },
    {
      lang: 'en',
      tz: 'Europe/Berlin',
      tlp: 'amber',
      exercise: true,
      time: '2026-11-30 10:04 CET (09:04 UTC)',
      tag: '[EXERCISE]',
      handling:
        /TLP:AMBER: you may share this only within your organisation and its clients, on a need-to-know basis/,
    },
    {
      lang: 'ja',
      tz: 'America/New_York',
      tlp: 'amber+strict',
      exercise: false,
      time: '2026-11-30 04:04 EST (09:04 UTC)',
      tag: '',
      handling: /TLP:AMBER\+STRICT: 知る必要がある範囲に限り、自組織の中でのみ共有できます/,
    },
    {
      lang: 'en',
      tlp: 'red',
      exercise: false,
      time: '2026-11-30 18:04 JST (09:04 UTC)',
      tag: '',
      handling: /TLP:RED: for you as an individual recipient only; no further disclosure/,
    },
  ];
  for (const r of rows) {
    it(`${r.lang} ${r.tz ?? 'default zone'} TLP:${r.tlp}${r.exercise ? ' exercise' : ''}: one message per address, parts, headers, attachments`, async () => {
      const objs = objects(r.tlp);
      const to = ['soc@member.example', 'ciso@member.example'];
      const i = input({
        subscription: { id: 'sub-1', lang: r.lang, timeZone: r.tz, to },
        tlp: r.tlp,
        exercise: r.exercise,
        objects: objs,
      });
      const out = await renderSubmissionMail(i);
      expect(out.map((m) => m.to)).to.deep.equal(to);
      const parsed = await parseAll(out);
      for (const [n, p] of parsed.entries()) {
        // Recipients never see each other.
        expect(addrs(p.to)).to.deep.equal([to[n]]);
        expect(p.cc).to.equal(undefined);
        expect(p.bcc).to.equal(undefined);
        expect(out[n]!.raw.toString('utf8')).to.not.include(to[1 - n]!);
        expect(p.messageId).to.equal(out[n]!.messageId);
        expect(p.headers.get('content-language')).to.equal(r.lang);
        expect(p.headers.get('x-isac-alert-id')).to.equal(i.alertId);
        expect(p.headers.get('x-isac-tlp')).to.equal(r.tlp.toUpperCase());
        expect(p.headers.get('x-isac-exercise')).to.equal(r.exercise ? 'true' : undefined);
        expect(p.headers.get('auto-submitted')).to.equal('auto-generated');
        // Subject: tag, TLP, count, what.
        const subject = p.subject ?? '';
        expect(subject.startsWith(`[ISAC]${r.tag}[TLP:${r.tlp.toUpperCase()}] `), subject).to.equal(true);
        expect(subject).to.match(
          r.lang === 'ja' ? /6件 \(脅威指標 5件、マルウェア 1件\)/ : /6 objects \(5 indicators, 1 malware\)/,
        );
        if (!r.exercise) expect(subject).to.not.match(/演習|EXERCISE/);
        // Text and HTML: the reader's language only, times in the zone, handling line, banner.
        const text = p.text ?? '';
        const html = typeof p.html === 'string' ? p.html : '';
        for (const body of [
          text,
          html.replace(/&#(\d+);/g, (_m, c: string) => String.fromCharCode(Number(c))),
        ]) {
          expect(body).to.match(r.handling);
          expect(body).to.include(r.time);
          expect(body).to.include(r.lang === 'ja' ? '受領確認: isac ack' : 'Acknowledge: isac ack');
          if (r.lang === 'en') expect(body).to.not.match(/[\u3040-\u30ff\u4e00-\u9fff]/);
          else expect(body).to.not.match(/Acknowledge|Valid from|released to/);
          expect(body.includes('演習') || body.includes('EXERCISE')).to.equal(r.exercise);
          // Defanged in the body, exact values nowhere in it.
          for (const [, exact, defanged] of IOCS) {
            expect(body).to.include(defanged);
            expect(body).to.not.include(exact);
          }
          // Links at the object, on the configured public URL.
          const id = String(objs[0]!['id']);
          expect(body).to.include(`https://hub.isac.example:8443/objects/${id}`);
          expect(body).to.include(
            `https://hub.isac.example:8443/taxii2/isac/collections/${hub.taxii.collectionId}/objects/${id}/`,
          );
          expect(body).to.include(`https://hub.isac.example:8443/api/v1/alerts/${i.alertId}/ack`);
          expect(body).to.not.include('127.0.0.1');
        }
        // HTML: no remote content, every link on the hub.
        expect(html).to.not.match(/<img|<script|<link|<iframe|<object|src=|url\(/i);
        const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!);
        expect(hrefs).to.have.length(2 * objs.length);
        for (const href of hrefs)
          expect(href).to.match(
            /^https:\/\/hub\.isac\.example:8443\/(objects\/|taxii2\/isac\/collections\/[^/]+\/objects\/)[a-z-]+--[0-9a-f-]{36}\/?$/,
          );
        // Attachments: the bundle (exact, valid STIX) and the CSV (exact, one row per value).
        expect(p.attachments.map((a) => a.contentType)).to.deep.equal(['application/stix+json', 'text/csv']);
        const [stix, csv] = p.attachments as [ParsedMail['attachments'][0], ParsedMail['attachments'][0]];
        const ct = stix.headers.get('content-type') as { value: string; params: Record<string, string> };
        expect(ct.params['version']).to.equal('2.1');
        const bundle = JSON.parse(stix.content.toString('utf8')) as { type: string; objects: Json[] };
        expect(bundle.type).to.equal('bundle');
        const report = validateBundle(bundle);
        expect(report.valid, JSON.stringify(report.objects.flatMap((o) => o.errors))).to.equal(true);
        expect(bundle.objects.slice(0, objs.length)).to.deep.equal(objs);
        expect(bundle.objects.map((o) => o['id'])).to.include(tlp2Marking(r.tlp).id);
        const csvRows: string[][] = parseCsv(csv.content.toString('utf8'), { bom: true });
        const [head, ...data] = csvRows;
        expect(head).to.deep.equal([...MAIL_CSV_COLUMNS]);
        const col = (name: string): number =>
          MAIL_CSV_COLUMNS.indexOf(name as (typeof MAIL_CSV_COLUMNS)[number]);
        expect(data.map((d) => csvValue(d[col('value')]!))).to.deep.equal([...IOCS.map(([, v]) => v), '']);
        expect(new Set(data.map((d) => d[col('tlp')]))).to.deep.equal(new Set([r.tlp.toUpperCase()]));
        expect(new Set(data.map((d) => d[col('exercise')]))).to.deep.equal(new Set([String(r.exercise)]));
      }
    });
  }

  it('writes the first N in full and says how many more are only attached', async () => {
    const many = Array.from({ length: 25 }, (_, n) =>
      indicator('ipv4', `198.51.100.${n + 1}`, 'green', `host ${n + 1}`),
    );
    const [p] = await parseAll(
      await renderSubmissionMail(
        input({
          objects: many,
          fullCount: 3,
          subscription: { id: 's', lang: 'en', to: ['a@member.example'] },
        }),
      ),
    );
    const text = p!.text ?? '';
    expect(text).to.include('The first 3 of 25:');
    expect(text)
      .to.match(/^1\. host 1$/m)
      .and.match(/^3\. host 3$/m)
      .and.not.match(/^4\. /m);
    expect(text).to.include('198.51.100[.]3').and.not.include('198.51.100[.]4');
    expect(text).to.include('22 more are in the attachments only.');
    const bundle = JSON.parse(p!.attachments[0]!.content.toString('utf8')) as { objects: Json[] };
    expect(bundle.objects.filter((o) => o['type'] === 'indicator')).to.have.length(25);
    const [ja] = await parseAll(
      await renderSubmissionMail(
        input({
          objects: many,
          fullCount: 0,
          subscription: { id: 's', lang: 'ja', to: ['a@member.example'] },
        }),
      ),
    );
    expect(ja!.text).to.include('残りの 25件は添付ファイルにのみ記載しています。').and.not.match(/^1\. /m);
  });

  it('a single object names itself in the subject, defanged', async () => {
    const [p] = await parseAll(
      await renderSubmissionMail(
        input({
          objects: [
            indicator(
              'url',
              'https://login.evil-example.co.jp/x',
              'green',
              'Phish at https://login.evil-example.co.jp/x',
            ),
          ],
          subscription: { id: 's', lang: 'ja', to: ['a@member.example'] },
        }),
      ),
    );
    expect(p!.subject).to.equal(
      '[ISAC][TLP:GREEN] 新しい脅威指標: Phish at hxxps://login[.]evil-example[.]co[.]jp/x',
    );
  });

  describe('header injection', () => {
    const hostile = 'Evil\r\nBcc: victim@example.com\r\nX-Injected: 1\u0000\u2028<script>alert(1)</script>';
    it('a hostile object name cannot create headers or markup', async () => {
      const out = await renderSubmissionMail(
        input({
          objects: [malware(hostile, 'green')],
          exerciseName: hostile,
          exercise: true,
          submission: {
            id: 'f1e2d3c4-b5a6-4978-8a6b-5c4d3e2f1a0b',
            acceptedAt: '2026-11-30T09:04:00Z',
            submitter: hostile,
          },
        }),
      );
      for (const m of out) {
        const head = headerBlock(m);
        expect(head).to.not.match(/^(Bcc|X-Injected):/im);
        const p = await simpleParser(m.raw);
        expect(p.bcc).to.equal(undefined);
        expect(p.headers.has('x-injected')).to.equal(false);
        expect(p.subject).to.not.match(/[\r\n\u2028]/);
        expect(p.subject).to.not.include('\u0000');
        expect(p.subject).to.include('Evil Bcc: victim[@]example[.]com');
        expect(p.html).to.not.include('<script>');
        expect(p.html).to.include('&#60;script&#62;');
      }
    });
    const bad: [string, Partial<SubmissionMailInput>, string][] = [
      [
        'an address with CR/LF',
        {
          subscription: {
            id: 's',
            lang: 'en',
            to: ['a@member.example', 'b@member.example\r\nBcc: x@evil.example'],
          },
        },
        '/subscription/to/1',
      ],
      [
        'two addresses in one entry',
        { subscription: { id: 's', lang: 'en', to: ['a@member.example, b@evil.example'] } },
        '/subscription/to/0',
      ],
      [
        'a display name',
        { subscription: { id: 's', lang: 'en', to: ['Eve <e@evil.example>'] } },
        '/subscription/to/0',
      ],
      ['no address', { subscription: { id: 's', lang: 'en', to: [] } }, '/subscription/to'],
      [
        'a bilingual subscription',
        { subscription: { id: 's', lang: 'both' as MailLang, to: ['a@member.example'] } },
        '/subscription/lang',
      ],
      [
        'an unknown zone',
        { subscription: { id: 's', lang: 'en', timeZone: 'Mars/Olympus', to: ['a@member.example'] } },
        '/subscription/timeZone',
      ],
      ['a From with CR/LF', { hub: { ...hub, from: 'a@hub.example\r\nBcc: x@evil.example' } }, '/hub/from'],
      [
        'a public URL with a query',
        { hub: { ...hub, publicUrl: 'https://hub.example/?x=1' } },
        '/hub/publicUrl',
      ],
      ['a javascript: public URL', { hub: { ...hub, publicUrl: 'javascript:alert(1)' } }, '/hub/publicUrl'],
      ['an alert id with CR/LF', { alertId: 'a\r\nBcc: x@evil.example' }, '/alertId'],
      ['nothing to mail', { objects: [] }, '/objects'],
      ['a negative fullCount', { fullCount: -1 }, '/fullCount'],
    ];
    for (const [what, over, path] of bad)
      it(`refuses ${what}, naming ${path}, and renders nothing`, async () => {
        let err: unknown;
        try {
          await renderSubmissionMail(input(over));
        } catch (e) {
          err = e;
        }
        expect(err).to.be.instanceOf(ValidationError);
        expect((err as ValidationError).details.map((d) => d.path)).to.include(path);
      });
  });

  it('same bytes of content with or without the cache; the release is built once', () => {
    const cache = new MailRenderCache();
    const objs = objects('green');
    const a = composeSubmissionMail(input({ objects: objs, cache }));
    const b = composeSubmissionMail(
      input({
        objects: objs,
        cache,
        alertId: 'other-alert',
        subscription: { id: 'sub-2', lang: 'ja', to: ['x@member.example'] },
      }),
    );
    expect(b.attachments).to.equal(a.attachments);
    const fresh = composeSubmissionMail(input({ objects: objs }));
    expect(fresh).to.deep.equal(a);
    expect(b.text).to.include('other-alert').and.include('sub-2');
    const byKey = composeSubmissionMail(input({ objects: objects('green'), cache, releaseKey: 'k' }));
    expect(
      composeSubmissionMail(input({ objects: objects('green'), cache, releaseKey: 'k' })).attachments,
    ).to.equal(byKey.attachments);
  });

  it('above zipAboveBytes, one ZIP whose entries are the plain attachments byte for byte, the same bytes each render', () => {
    const objs = objects('green');
    const plain = composeSubmissionMail(input({ objects: objs })).attachments;
    expect(plain.map((a) => a.filename)).to.have.length(2);
    const zipped = composeSubmissionMail(input({ objects: objs, zipAboveBytes: 100 })).attachments;
    expect(zipped).to.have.length(1);
    expect(zipped[0]!.contentType).to.equal('application/zip');
    const zip = zipped[0]!.content as Buffer;
    const entries = unzipSync(zip);
    expect(Object.keys(entries)).to.deep.equal(plain.map((a) => a.filename));
    for (const a of plain)
      expect(Buffer.from(entries[a.filename]!).equals(Buffer.from(a.content)), a.filename).to.equal(true);
    expect(
      zip.equals(
        composeSubmissionMail(input({ objects: objs, zipAboveBytes: 100 })).attachments[0]!.content as Buffer,
      ),
    ).to.equal(true);
    // Info-ZIP, where installed, reads it too (CRCs, sizes, central directory)
    unzipTest(zip);
  });

  it('Message-IDs are stable across re-renders and differ per address', async () => {
    const one = await renderSubmissionMail(input());
    const two = await renderSubmissionMail(input());
    expect(one.map((m) => m.messageId)).to.deep.equal(two.map((m) => m.messageId));
    expect(new Set(one.map((m) => m.messageId)).size).to.equal(2);
    expect(one[0]!.messageId).to.match(/^<[0-9a-f-]{36}@hub\.isac\.example>$/);
  });
});

describe('retraction notice', () => {
  const rows: { lang: MailLang; exercise: boolean; subject: RegExp; intro: RegExp; reason: string }[] = [
    {
      lang: 'en',
      exercise: false,
      subject: /^\[ISAC\]\[TLP:GREEN\] Retracted 2 objects \(2 indicators\): remove from your defences$/,
      intro:
        /2 objects you received earlier were retracted \(revoked\) at 2026-12-01 10:00 JST \(01:00 UTC\)/,
      reason: 'Reason: false positive: hxxps://cdn[.]example[.]com is a CDN',
    },
    {
      lang: 'ja',
      exercise: true,
      subject: /^\[ISAC\]\[演習\]\[TLP:GREEN\] 取り消し 2件 \(脅威指標 2件\): 防御設定から削除してください$/,
      intro: /以前お送りした 2件のオブジェクトが 2026-12-01 10:00 JST \(01:00 UTC\) に取り消され/,
      reason: '理由: false positive: hxxps://cdn[.]example[.]com is a CDN',
    },
  ];
  for (const r of rows)
    it(`${r.lang}${r.exercise ? ' exercise' : ''}: subject, reason, defanged values, revoked versions attached`, async () => {
      const revoked = [
        indicator('domain', 'cdn.example.com', 'green'),
        indicator('ipv4', '192.0.2.10', 'green'),
      ].map((o) => ({ ...o, revoked: true, modified: '2026-12-01T01:00:00.000Z' }));
      const out = await renderRetractionMail({
        hub,
        subscription: { id: 'sub-1', lang: r.lang, to: ['soc@member.example'] },
        alertId: 'c0c1d2e3-f405-4617-8829-3a4b5c6d7e8f',
        tlp: 'green',
        objects: revoked,
        exercise: r.exercise,
        date: NOW,
        retraction: {
          retractedAt: '2026-12-01T01:00:00Z',
          reason: 'false positive: https://cdn.example.com is a CDN',
          originalAlertId: 'b0c1d2e3-f405-4617-8829-3a4b5c6d7e8f',
        },
      });
      const [p] = await parseAll(out);
      expect(p!.subject).to.match(r.subject);
      expect(p!.headers.get('x-isac-retraction')).to.equal('true');
      expect(p!.headers.get('x-isac-retracts-alert-id')).to.equal('b0c1d2e3-f405-4617-8829-3a4b5c6d7e8f');
      expect(p!.headers.get('x-isac-exercise')).to.equal(r.exercise ? 'true' : undefined);
      const text = p!.text ?? '';
      expect(text).to.match(r.intro);
      expect(text).to.include(r.reason);
      expect(text).to.include('cdn[.]example[.]com').and.include('192.0.2[.]10');
      expect(text).to.not.include('cdn.example.com').and.not.include('192.0.2.10');
      if (r.exercise) expect(text).to.include('【演習】');
      const bundle = JSON.parse(p!.attachments[0]!.content.toString('utf8')) as { objects: Json[] };
      expect(validateBundle(bundle).valid).to.equal(true);
      expect(bundle.objects.filter((o) => o['revoked'] === true)).to.have.length(2);
    });
});

describe('submission mail: events (ADR 0045)', () => {
  const members = [indicator('ipv4', '192.0.2.1', 'green'), indicator('ipv4', '192.0.2.2', 'green')];
  const wave: Json = {
    type: 'report',
    spec_version: '2.1',
    id: `report--${uuid()}`,
    created: '2026-11-30T09:04:00.000Z',
    modified: '2026-11-30T09:04:00.000Z',
    name: 'Phishing wave http://evil.example',
    report_types: ['campaign'],
    published: '2026-11-30T09:04:00.000Z',
    object_refs: [...members.map((m) => m['id']), `malware--${uuid()}`],
    object_marking_refs: [tlp2Marking('green').id],
  };

  for (const [lang, line] of [
    ['en', "1 report 'Phishing wave hxxp://evil[.]example' (campaign): 2 indicators, 1 malware"],
    ['ja', 'レポート 1件「Phishing wave hxxp://evil[.]example」 (campaign): 脅威指標 2件、マルウェア 1件'],
  ] as const)
    it(`says what the event holds before the object list (${lang}), in text and HTML`, () => {
      const m = composeSubmissionMail(
        input({ objects: [...members, wave], subscription: { id: 's', lang, to: ['soc@member.example'] } }),
      );
      expect(m.text).to.include(line);
      expect(m.text.indexOf(line)).to.be.lessThan(m.text.indexOf(lang === 'en' ? 'By type' : '種別'));
      expect(m.html).to.include(line.replaceAll("'", '&#39;'));
    });

  it('a digest says it too; a mail without an event says nothing of events', () => {
    const d = composeDigestMail({
      ...input({ objects: [wave, ...members] }),
      digest: { windowStart: '2026-11-30T08:00:00Z', windowEnd: '2026-11-30T09:00:00Z', submissions: 1 },
    });
    expect(d.text).to.include(
      "1 report 'Phishing wave hxxp://evil[.]example' (campaign): 2 indicators, 1 malware",
    );
    expect(composeSubmissionMail(input({ objects: members })).text).to.not.include('Events');
  });
});
