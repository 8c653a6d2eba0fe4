import { expect } from 'chai';
import { TLP_LEVELS } from '@isac/kernel';
import { objectTlp, parseTlpLevel, tlp2Marking, tlpMarkingById, tlpRank, TLP_MARKINGS } from './tlp.js';

describe('TLP markings', () => {
  it('knows the nine OASIS marking definitions', () => {
    expect(TLP_MARKINGS).to.have.length(9);
    expect(tlpMarkingById('marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da')?.level).to.equal(
      'green',
    );
    expect(tlpMarkingById('marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003')?.level).to.equal(
      'amber+strict',
    );
    expect(tlpMarkingById('marking-definition--00000000-0000-4000-8000-000000000000')).to.equal(undefined);
  });
  it('takes the strictest of several markings and reports unknown ones', () => {
    const t = objectTlp({
      object_marking_refs: [
        tlp2Marking('green').id,
        'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82',
        'marking-definition--11111111-1111-4111-8111-111111111111',
      ],
    });
    expect(t.level).to.equal('amber');
    expect(t.unknown).to.deep.equal(['marking-definition--11111111-1111-4111-8111-111111111111']);
  });
  it('parses level names, TLP 1.0 WHITE as clear', () => {
    expect(parseTlpLevel('TLP:WHITE')).to.equal('clear');
    expect(parseTlpLevel('amber+strict')).to.equal('amber+strict');
    expect(parseTlpLevel('purple')).to.equal(undefined);
  });
  it('ranks the levels clear < green < amber < amber+strict < red, and a non-level at -1', () => {
    expect(TLP_LEVELS.map(tlpRank)).to.deep.equal([0, 1, 2, 3, 4]);
    expect(tlpRank('amber+strict')).to.be.above(tlpRank('amber'));
    expect(tlpRank('white')).to.equal(-1);
    expect(tlpRank('')).to.equal(-1);
  });
});

describe('TLP: property-level markings and the strictest level', () => {
  it('lists TLP granular markings by selector and reports unknown ones', async () => {
    const { propertyTlp, strictestTlp, isTlpMarkingDefinition } = await import('./tlp.js');
    const obj = {
      type: 'indicator',
      object_marking_refs: [tlp2Marking('green').id],
      granular_markings: [
        { selectors: ['description'], marking_ref: tlp2Marking('red').id },
        {
          selectors: ['name', 'labels'],
          marking_ref: 'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82',
        },
        { selectors: ['pattern'], marking_ref: 'marking-definition--11111111-1111-4111-8111-111111111111' },
        { selectors: ['name'], lang: 'en' },
      ],
    };
    const p = propertyTlp(obj);
    expect(p.markings.map((m) => [m.selector, m.level])).to.deep.equal([
      ['description', 'red'],
      ['name', 'amber'],
      ['labels', 'amber'],
    ]);
    expect(p.unknown).to.deep.equal(['marking-definition--11111111-1111-4111-8111-111111111111']);
    expect(objectTlp(obj).level).to.equal('green');
    expect(strictestTlp(obj)).to.equal('red');
    expect(strictestTlp({})).to.equal(undefined);
    expect(isTlpMarkingDefinition(TLP_MARKINGS[0]!.object)).to.equal(true);
    expect(
      isTlpMarkingDefinition({
        type: 'marking-definition',
        id: 'marking-definition--11111111-1111-4111-8111-111111111111',
      }),
    ).to.equal(false);
  });
});
