/**
 * WCAG 2.x AA contrast of the console's colours (ADR 0018), read from the stylesheet itself: text
 * 4.5:1 on every background it is drawn on, focus rings and borders 3:1, in both themes; the TLP
 * badges (official TLP 2.0 colours on black, as FIRST specifies) in both themes too.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const CSS = readFileSync(path.resolve(import.meta.dirname, '../src/styles.css'), 'utf8');

/** The custom properties of one rule (`:root`, `:root[data-theme='dark']`…). */
function variables(selector: string): Record<string, string> {
  const start = CSS.indexOf(`${selector} {`);
  expect(start, selector).to.be.greaterThan(-1);
  const body = CSS.slice(start, CSS.indexOf('}', start));
  return Object.fromEntries(
    [...body.matchAll(/--([a-z0-9-]+):\s*(#[0-9a-fA-F]{6})\s*;/g)].map((m) => [m[1], m[2]]),
  );
}

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

const TEXT: readonly [string, string][] = [
  ['fg', 'bg'],
  ['fg', 'surface'],
  ['muted', 'bg'],
  ['muted', 'surface'],
  ['accent', 'bg'],
  ['accent', 'surface'],
  ['accent-fg', 'accent'],
  ['danger', 'bg'],
  ['danger', 'surface'],
];
const NON_TEXT: readonly [string, string][] = [
  ['focus', 'bg'],
  ['focus', 'surface'],
  ['border', 'bg'],
  ['border', 'surface'],
];

describe('console colours: WCAG AA contrast in both themes (ADR 0018)', () => {
  const common = variables(':root');

  it('computes contrast as WCAG does', () => {
    expect(contrast('#000000', '#ffffff')).to.be.closeTo(21, 1e-9);
    expect(contrast('#777777', '#ffffff')).to.be.closeTo(4.48, 0.01);
  });

  it('uses the official TLP 2.0 colours on black', () => {
    expect(common).to.include({
      'tlp-bg': '#000000',
      'tlp-red': '#ff2b2b',
      'tlp-amber': '#ffc000',
      'tlp-green': '#33ff00',
      'tlp-clear': '#ffffff',
    });
  });

  it('gives every TLP badge at least 4.5:1 (the badge carries its own black background)', () => {
    for (const level of ['red', 'amber', 'green', 'clear'])
      expect(contrast(common[`tlp-${level}`]!, common['tlp-bg']!), level).to.be.at.least(4.5);
  });

  for (const theme of ['light', 'dark']) {
    it(`gives text 4.5:1 and focus rings and borders 3:1 in the ${theme} theme`, () => {
      const v = { ...common, ...variables(`:root[data-theme='${theme}']`) };
      const low: string[] = [];
      for (const [pairs, min] of [
        [TEXT, 4.5],
        [NON_TEXT, 3],
      ] as const)
        for (const [fg, bg] of pairs) {
          expect(v[fg], `--${fg}`).to.match(/^#/);
          expect(v[bg], `--${bg}`).to.match(/^#/);
          const ratio = contrast(v[fg]!, v[bg]!);
          if (ratio < min) low.push(`${fg} on ${bg}: ${ratio.toFixed(2)} < ${min}`);
        }
      expect(low).to.deep.equal([]);
    });

    it(`tells the participation map's classes apart in the ${theme} theme (WCAG 1.4.11)`, () => {
      const v = { ...common, ...variables(`:root[data-theme='${theme}']`) };
      const shades = [1, 2, 3, 4].map((k) => v[`map-${k}`]!);
      // every class with members stands out from the background 3:1 (and so from "none", which
      // is the background inside a --border outline), and so do the patterns drawn in it
      for (const [k, shade] of shades.entries())
        expect(contrast(shade, v['bg']!), `--map-${k + 1} on --bg`).to.be.at.least(3);
      expect(contrast(shades[0]!, shades[3]!), 'lightest vs darkest class').to.be.at.least(3);
      // classes get darker (light theme) or lighter (dark theme) in order: no two alike
      for (let k = 1; k < 4; k++)
        expect(contrast(shades[k]!, v['bg']!), `--map-${k + 1} beyond --map-${k}`).to.be.greaterThan(
          contrast(shades[k - 1]!, v['bg']!) * 1.4,
        );
    });
  }

  it("draws the map's classes as the comment says: outlines, the background for none, a pattern per adjacent class", () => {
    const rule = (selector: string): string => {
      const at = CSS.indexOf(`${selector} {`);
      expect(at, selector).to.be.greaterThan(-1);
      return CSS.slice(at, CSS.indexOf('}', at));
    };
    expect(rule('.map-prefectures path')).to.contain('stroke: var(--border)');
    expect(rule('.map-shade-0')).to.contain('fill: var(--bg)');
    const fills = [2, 3, 4].map((k) => rule(`.map-shade-${k}`));
    fills.forEach((f, i) => expect(f).to.contain(`fill: url(#map-fill-${i + 2})`));
    expect(rule('.map-hatch')).to.contain('stroke: var(--bg)');
    expect(rule('.map-dot')).to.contain('fill: var(--bg)');
    const tsx = readFileSync(
      path.resolve(import.meta.dirname, '../src/screens/admin/participation.tsx'),
      'utf8',
    );
    for (const k of [2, 3, 4]) expect(tsx).to.match(new RegExp(`'map-fill-${k}',\\s*${k},`));
  });
});
