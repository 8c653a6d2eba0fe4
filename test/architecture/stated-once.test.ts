import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { sourceFiles } from './import-graph.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A fact that has one home: no other source file may write it out again. */
const FACTS: readonly { fact: string; home: string; restated: RegExp }[] = [
  {
    fact: 'the org-id pattern (use ORG_ID_PATTERN, or its .source in a JSON schema)',
    home: 'libs/kernel/src/domain.ts',
    restated: /\[a-z0-9\]\[a-z0-9-\]\{1,62\}/,
  },
  {
    fact: 'the TLP order (use tlpRank)',
    home: 'libs/stix/src/tlp.ts',
    restated: /TLP_LEVELS\.(indexOf|findIndex)\(|new Map\(\s*TLP_LEVELS\.map\(/,
  },
];

describe('facts stated once', () => {
  const files = sourceFiles(REPO).filter((f) => !f.startsWith('test/architecture/'));
  const text = new Map(files.map((f) => [f, readFileSync(path.join(REPO, f), 'utf8')]));

  for (const { fact, home, restated } of FACTS) {
    it(`${fact} lives in ${home} only`, () => {
      expect(restated.test(text.get(home) ?? ''), `${home} states it`).to.equal(true);
      expect(files.filter((f) => f !== home && restated.test(text.get(f)!))).to.deep.equal([]);
    });
  }
});
