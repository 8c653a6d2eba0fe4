import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { findCycles, importGraph } from './import-graph.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('import graph', () => {
  it('finds a circle, and only a circle', () => {
    const graph = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts', 'd.ts']],
      ['d.ts', []],
      ['e.ts', ['e.ts']],
    ]);
    expect(findCycles(graph)).to.have.members(['a.ts -> b.ts -> c.ts -> a.ts', 'e.ts -> e.ts']);
    expect(findCycles(new Map([['a.ts', ['b.ts']]]))).to.deep.equal([]);
  });

  it('resolves relative imports and the workspaces to files', () => {
    const graph = importGraph(REPO);
    expect(graph.get('libs/auth/src/index.ts')).to.include('libs/auth/src/authenticator.ts');
    expect(graph.get('services/hub/src/compose.ts')).to.include('libs/kernel/src/index.ts');
    expect(graph.get('services/hub/src/compose.ts')).to.include('services/dispatcher/src/index.ts');
  });

  it('has no circle anywhere in libs/, services/, test/, bench/ or scripts/', () => {
    expect(findCycles(importGraph(REPO))).to.deep.equal([]);
  });
});
