import { expect } from 'chai';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { FeedSourceError, type FeedPage } from '../src/source.js';
import { MispFeedSource } from '../src/misp/misp-source.js';

/** ADR 0043: the MISP feed source against a real HTTP server. */
describe(MispFeedSource.name, () => {
  let server: Server;
  let url: string;
  const files = new Map<string, string>();
  const requested: string[] = [];
  before(async () => {
    const app = express();
    app.get('/f/:file', (req, res) => {
      requested.push(req.params.file);
      const body = files.get(req.params.file);
      if (body === undefined) res.status(404).end();
      else res.type('application/json').send(body);
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/f`;
  });
  after(() => server.close());
  beforeEach(() => {
    files.clear();
    requested.length = 0;
  });

  const uuid = (n: number): string => `6a1f0c52-3b7d-4e9a-8c21-${String(n).padStart(12, '0')}`;
  const event = (n: number, ts: number, values: string[]) =>
    JSON.stringify({
      Event: {
        uuid: uuid(n),
        info: `event ${n}`,
        timestamp: String(ts),
        published: true,
        Tag: [{ name: 'tlp:green' }],
        Attribute: values.map((v, i) => ({
          uuid: `7b2e1d63-4c8e-4f0b-9d32-${String(n * 100 + i).padStart(12, '0')}`,
          type: 'domain',
          value: v,
          to_ids: true,
          timestamp: String(ts),
        })),
      },
    });
  const source = (pageLimit = 1000) =>
    new MispFeedSource(
      { feedId: 'f', url, auth: { type: 'none' } },
      { pageLimit, timeoutMs: 2000, maxResponseBytes: 1 << 20 },
    );
  const all = async (cursor?: string, pageLimit?: number): Promise<FeedPage[]> => {
    const out: FeedPage[] = [];
    for await (const p of source(pageLimit).pages(cursor, new AbortController().signal)) out.push(p);
    return out;
  };

  it('orders events by (timestamp, uuid), resumes after the cursor and groups events into pages', async () => {
    files.set(
      'manifest.json',
      JSON.stringify({
        [uuid(3)]: { timestamp: 200 },
        [uuid(2)]: { timestamp: '100' },
        [uuid(1)]: { timestamp: 100 },
      }),
    );
    files.set(`${uuid(1)}.json`, event(1, 100, ['a1.top', 'a2.top']));
    files.set(`${uuid(2)}.json`, event(2, 100, ['b1.top']));
    files.set(`${uuid(3)}.json`, event(3, 200, ['c1.top']));
    const pages = await all(undefined, 3);
    // a page closes once it holds pageLimit objects: [event 1], then [event 2, event 3]
    expect(pages.map((p) => p.cursor)).to.deep.equal([`100:${uuid(1)}`, `200:${uuid(3)}`]);
    expect(pages.map((p) => p.objects.length)).to.deep.equal([3, 4]);
    requested.length = 0;
    const rest = await all(`100:${uuid(1)}`);
    expect(requested).to.deep.equal(['manifest.json', `${uuid(2)}.json`, `${uuid(3)}.json`]);
    expect(rest).to.have.length(1);
    expect(rest[0]!.cursor).to.equal(`200:${uuid(3)}`);
    expect(rest[0]!.notes).to.deep.include({ events: 2 });
    expect(await all(`200:${uuid(3)}`)).to.deep.equal([]);
  });

  it('names what is wrong: a manifest that is not one, an event that is not MISP JSON, an HTTP status', async () => {
    const failure = async (): Promise<FeedSourceError> => {
      try {
        await all();
      } catch (err) {
        expect(err).to.be.instanceOf(FeedSourceError);
        return err as FeedSourceError;
      }
      throw new Error('the pull did not fail');
    };
    files.set('manifest.json', '[1, 2]');
    expect((await failure()).message).to.match(/manifest.json is not a JSON object/);
    files.set('manifest.json', JSON.stringify({ [uuid(1)]: { timestamp: 1 } }));
    files.set(`${uuid(1)}.json`, JSON.stringify({ Event: { uuid: 'nope' } }));
    const bad = await failure();
    expect(bad.message).to.include(`event ${uuid(1)}: /Event/uuid must be a UUID`);
    expect(bad.detail.cause).to.equal('malformed');
    files.set(`${uuid(1)}.json`, '{"Event": ');
    expect((await failure()).detail.cause).to.equal('malformed');
    files.delete('manifest.json');
    const missing = await failure();
    expect(missing.detail).to.include({ httpStatus: 404, cause: 'http_status', retryable: true });
  });
});
