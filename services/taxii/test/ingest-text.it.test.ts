import { expect } from 'chai';
import type { AddressInfo } from 'node:net';
import {
  OBJECTS,
  TAXII,
  TLP,
  indicator,
  marked,
  openHarness,
  type Harness,
  type Member,
} from './taxii-harness.js';

/**
 * Issue 13 point 9 (ADR 0017): a body is the text it claims to be (invalid UTF-8 is a 400 naming
 * the byte offset, never rewritten to U+FFFD), and names may not hide control, bidirectional or
 * zero-width characters, while evidence (patterns, SCO values, descriptions) is kept as sent.
 */
describe('ingest: text is what it claims', () => {
  let h: Harness;
  let a: Member;
  beforeEach(async () => {
    h = openHarness();
    a = await h.member('bank-a');
  });
  afterEach(() => h.close());

  /** Raw bytes over a real socket (supertest would re-serialise a Buffer sent as JSON). */
  const raw = async (
    url: string,
    type: string,
    body: Buffer,
  ): Promise<{ status: number; body: Record<string, any> }> => {
    const server = h.app.listen(0);
    try {
      const port = (server.address() as AddressInfo).port;
      const res = await fetch(`http://127.0.0.1:${port}${url}`, {
        method: 'POST',
        headers: {
          authorization: a.auth,
          'content-type': type,
          accept: type === TAXII ? TAXII : 'application/json',
        },
        body,
      });
      return { status: res.status, body: (await res.json()) as Record<string, any> };
    } finally {
      server.close();
    }
  };

  const post = (auth: string, body: string) =>
    h.http
      .post(OBJECTS)
      .set('Authorization', auth)
      .set('Accept', TAXII)
      .set('Content-Type', TAXII)
      .send(body);
  const stored = async (): Promise<Record<string, unknown>[]> =>
    (
      (await h.http.get(OBJECTS).set('Authorization', a.auth).set('Accept', TAXII)).body as {
        objects?: Record<string, unknown>[];
      }
    ).objects ?? [];
  /** The JSON of `value` with the bytes of `marker` (ASCII) replaced by `bytes`. */
  const withBytes = (value: unknown, marker: string, bytes: number[]): { body: Buffer; offset: number } => {
    const json = Buffer.from(JSON.stringify(value), 'utf8');
    const offset = json.indexOf(marker);
    return {
      body: Buffer.concat([
        json.subarray(0, offset),
        Buffer.from(bytes),
        json.subarray(offset + marker.length),
      ]),
      offset,
    };
  };

  for (const [what, bytes] of [
    ['a lone continuation byte', [0x80]],
    ['0xff', [0xff]],
    ['an overlong encoding of "/"', [0xc0, 0xaf]],
    ['a UTF-16 surrogate (CESU-8)', [0xed, 0xa0, 0x80]],
    ['a truncated 3-byte sequence', [0xe3, 0x81]],
  ] as const) {
    it(`answers 400 naming the byte offset for ${what}, TAXII and REST, and stores nothing`, async () => {
      const o = marked('green', { name: 'caf@@' });
      const taxii = withBytes({ objects: [o] }, '@@', [...bytes]);
      const res = await raw(OBJECTS, TAXII, taxii.body);
      expect(res.status, JSON.stringify(res.body)).to.equal(400);
      expect(res.body.description ?? res.body.title).to.include(`byte ${taxii.offset}`);
      const rest = withBytes(
        { bundle: { type: 'bundle', id: 'bundle--5d0092c5-5f74-4287-9642-33f4c354e56d', objects: [o] } },
        '@@',
        [...bytes],
      );
      const r2 = await raw('/api/v1/submissions', 'application/json', rest.body);
      expect(r2.status, JSON.stringify(r2.body)).to.equal(400);
      expect(r2.body.error.message).to.include(`byte ${rest.offset}`);
      expect(await stored()).to.deep.equal([]);
    });
  }

  it('keeps valid multi-byte text exactly as sent (Japanese, emoji)', async () => {
    const o = marked('green', { name: '不審なドメイン 🛡️', description: '👩‍💻 調査中' });
    expect((await post(a.auth, JSON.stringify({ objects: [o] }))).status).to.equal(202);
    const [back] = await stored();
    expect(back).to.include({ name: o.name, description: o.description });
  });

  it('refuses control, bidirectional and zero-width characters in the name of an SDO or SRO, naming the field', async () => {
    const bad = [
      marked('green', { name: 'invoice\u202Efdp.exe' }),
      marked('green', { name: 'a\u2066b' }),
      marked('green', { name: 'pay\u200Bpal' }),
      marked('green', { name: 'bell\u0007' }),
      marked('green', { name: 'c1\u0085' }),
      marked('green', { name: '\uFEFFbom' }),
      marked('green', { name: 'word\u2060joiner' }),
      marked('green', { name: 'x\u200Dy' }),
    ];
    const res = await post(a.auth, JSON.stringify({ objects: bad }));
    expect(res.status, res.text).to.equal(422);
    const problems = (res.body.details as { problems: { message: string }[] }).problems;
    expect(problems).to.have.length(bad.length);
    for (const p of problems) expect(p.message).to.match(/^name: .*U\+[0-9A-F]{4}/);
  });

  it('keeps such characters where they are evidence: patterns, SCO values and names, descriptions', async () => {
    const rlo = 'invoice\u202Efdp.exe';
    const ok = [
      marked('green', {
        pattern: `[file:name = '${rlo}']`,
        description: `the attachment is named ${rlo}; the domain is pay\u200Bpal.example`,
        name: 'RLO attachment',
      }),
      {
        type: 'file',
        spec_version: '2.1',
        id: 'file--5a3c1f6e-2b4d-4e8f-9a1b-2c3d4e5f6a7b',
        name: rlo,
        object_marking_refs: [TLP.green],
      },
      marked('green', { name: 'team 👩‍💻 notes' }),
    ];
    const res = await post(a.auth, JSON.stringify({ objects: ok }));
    expect(res.status, res.text).to.equal(202);
    expect(res.body).to.include({ success_count: 3, failure_count: 0 });
    const back = await stored();
    expect(back.map((o) => o['name'])).to.deep.equal(ok.map((o) => o['name']));
    expect(back[0]!['pattern']).to.equal(ok[0]!['pattern']);
  });

  it('refuses such characters in the name of a REST indicator, naming the field', async () => {
    const res = await h.http
      .post('/api/v1/indicators')
      .set('Authorization', a.auth)
      .send({ kind: 'domain', value: 'example.com', tlp: 'green', name: 'pay\u202Epal' });
    expect(res.status, res.text).to.equal(400);
    expect(res.body.error.details[0].path).to.equal('/name');
    expect(res.body.error.message).to.match(/name: .*U\+202E/);
    expect(indicator()).to.be.an('object');
  });
});
