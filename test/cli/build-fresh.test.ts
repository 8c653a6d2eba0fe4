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

  it("keeps `isac --help`'s start-up bundle light: no store, password hashing, policy data, region tables, MQTT, OpenPGP or STIX validator", () => {
    const info = JSON.parse(readFileSync(path.join(ROOT, 'services/cli/dist/build-info.json'), 'utf8')) as {
      startup: string[];
    };
    expect(info.startup).to.include('services/cli/src/main.ts');
    const heavy = info.startup.filter((f) =>
      /^libs\/(store|auth|policy)\/|^libs\/regions\/data\/|^libs\/stix\/src\/(validate|pattern)/.test(f),
    );
    expect(heavy, 'load these lazily (services/cli/scripts/build.ts, LAZY)').to.deep.equal([]);
    const bundle = readFileSync(path.join(ROOT, 'services/cli/dist/isac.js'), 'utf8');
    const imported = [...bundle.matchAll(/^import\s[^;]*?from\s*"([^".][^"]*)"/gm)].map((m) => m[1]);
    expect(
      imported.filter((m) => /^(mqtt|openpgp|better-sqlite3|mongodb|argon2|bcrypt)/.test(m!)),
    ).to.deep.equal([]);
  });
});
