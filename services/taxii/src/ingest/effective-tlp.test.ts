import { expect } from 'chai';
import { assignTlp, statementMarkingIds } from './effective-tlp.js';

const GREEN = 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb';
const RED = 'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1';
const AMBER1 = 'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82';
const STATEMENT = 'marking-definition--2b3c4d5e-6f70-4182-9394-a5b6c7d8e9f0';
const ind = (id: string, refs?: string[]) => ({
  type: 'indicator',
  id,
  ...(refs ? { object_marking_refs: refs } : {}),
});

describe('assignTlp', () => {
  const opts = { defaultTlp: 'amber' as const, knownMarkings: new Set<string>() };

  it('takes the object’s own marking, the strictest of several', () => {
    expect(assignTlp([ind('indicator--1', [GREEN, AMBER1])], opts)[0]).to.deep.include({
      tlp: 'amber',
      tlpSource: 'object',
    });
  });

  it('falls back to the strictest container that refers to the object', () => {
    const r1 = {
      type: 'report',
      id: 'report--1',
      object_refs: ['indicator--1'],
      object_marking_refs: [GREEN],
    };
    const r2 = {
      type: 'grouping',
      id: 'grouping--1',
      object_refs: ['indicator--1'],
      object_marking_refs: [RED],
    };
    const out = assignTlp([r1, r2, ind('indicator--1'), ind('indicator--2')], opts);
    expect(out[2]).to.deep.include({ tlp: 'red', tlpSource: 'container' });
    expect(out[3]).to.deep.include({ tlp: 'amber', tlpSource: 'default' });
  });

  it('ignores containers without a marking and non-container refs', () => {
    const rel = {
      type: 'relationship',
      id: 'relationship--1',
      source_ref: 'indicator--1',
      object_marking_refs: [GREEN],
    };
    const r = { type: 'report', id: 'report--1', object_refs: ['indicator--1'] };
    expect(assignTlp([rel, r, ind('indicator--1')], opts)[2]).to.deep.include({ tlpSource: 'default' });
  });

  it('records non-TLP markings as unknown unless known, and the known ones as known', () => {
    expect(assignTlp([ind('indicator--1', [GREEN, STATEMENT])], opts)[0]).to.deep.include({
      unknownMarkings: [STATEMENT],
      knownMarkings: [],
    });
    expect(
      assignTlp([ind('indicator--1', [GREEN, STATEMENT])], {
        ...opts,
        knownMarkings: new Set([STATEMENT]),
      })[0],
    ).to.deep.include({ unknownMarkings: [], knownMarkings: [STATEMENT] });
  });

  it('makes the OASIS TLP marking definitions CLEAR', () => {
    const md = { type: 'marking-definition', id: GREEN };
    expect(assignTlp([md], opts)[0]).to.deep.include({ tlp: 'clear' });
  });

  it('knows statement markings only', () => {
    const s = { type: 'marking-definition', id: STATEMENT, definition_type: 'statement' };
    const other = {
      type: 'marking-definition',
      id: 'marking-definition--3b3c4d5e-6f70-4182-9394-a5b6c7d8e9f0',
      definition_type: 'x-custom',
    };
    expect([...statementMarkingIds([s, other])]).to.deep.equal([STATEMENT]);
  });
});
