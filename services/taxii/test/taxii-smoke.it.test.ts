import { expect } from 'chai';
import { openHarness, OBJECTS, TAXII, marked, type Harness } from './taxii-harness.js';

describe('taxii service (smoke)', () => {
  let h: Harness;
  beforeEach(() => {
    h = openHarness();
  });
  afterEach(() => h.close());

  it('accepts an envelope and reads it back', async () => {
    const a = await h.member('bank-a');
    const obj = marked('green');
    const post = await h.http
      .post(OBJECTS)
      .set('Authorization', a.auth)
      .set('Accept', TAXII)
      .set('Content-Type', TAXII)
      .send(JSON.stringify({ objects: [obj] }));
    expect(post.status, post.text).to.equal(202);
    expect(post.body).to.include({ status: 'complete', success_count: 1, failure_count: 0, total_count: 1 });
    const get = await h.http.get(OBJECTS).set('Authorization', a.auth).set('Accept', TAXII);
    expect(get.status, get.text).to.equal(200);
    expect(get.body.objects).to.deep.equal([obj]);
  });
});
