import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../support/hub-process.js';

/**
 * The `isac` bin runs services/cli/dist, built by `npm ci` (root `prepare`) and `npm run build`.
 * This fails when any source the bundle was built from has changed since, so no test (and no user)
 * runs a CLI older than the code beside it.
 */
describe('the built isac CLI', () => {
  it('is built from the sources in the working tree (run npm run build when this fails)', () => {
    const infoFile = path.join(ROOT, 'services/cli/dist/build-info.json');
    expect(existsSync(infoFile), 'services/cli/dist is missing: run npm run build').to.equal(true);
    const { sources } = JSON.parse(readFileSync(infoFile, 'utf8')) as { sources: Record<string, string> };
    expect(Object.keys(sources)).to.include('services/cli/src/main.ts');
    const stale = Object.entries(sources)
      .filter(([file, hash]) => {
        const abs = path.join(ROOT, file);
        return !existsSync(abs) || createHash('sha256').update(readFileSync(abs)).digest('hex') !== hash;
      })
      .map(([file]) => file);
    expect(stale, 'changed since the CLI was built: run npm run build').to.deep.equal([]);
  });
});
