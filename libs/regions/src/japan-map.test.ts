import { statSync } from 'node:fs';
import { expect } from 'chai';
import { JAPAN_MAP, renderJapanMapSvg } from './japan-map.js';
import { PREFECTURES } from './index.js';

/** The absolute points of an SVG path made of M/m, l and z with whole numbers (as the map writes them). */
function points(d: string): [number, number][] {
  const out: [number, number][] = [];
  let x = 0;
  let y = 0;
  let start: [number, number] = [0, 0];
  let cmd = '';
  const tokens = d.match(/[MmLlZz]|-?\d+/g) ?? [];
  for (let i = 0; i < tokens.length;) {
    const t = tokens[i]!;
    if (/[MmLlZz]/.test(t)) {
      cmd = t;
      i++;
      if (t === 'z' || t === 'Z') [x, y] = start;
      continue;
    }
    const a = Number(tokens[i]);
    const b = Number(tokens[i + 1]);
    i += 2;
    if (cmd === 'M') [x, y] = [a, b];
    else [x, y] = [x + a, y + b];
    if (cmd === 'M' || cmd === 'm') {
      start = [x, y];
      cmd = 'l';
    }
    out.push([x, y]);
  }
  return out;
}

describe('JAPAN_MAP', () => {
  const [, , width = 0, height = 0] = JAPAN_MAP.viewBox.split(' ').map(Number);

  it('has one path per prefecture, JP-01 to JP-47', () => {
    expect(JAPAN_MAP.prefectures.map((p) => p.code)).to.deep.equal(PREFECTURES.map((p) => p.code));
    for (const p of JAPAN_MAP.prefectures) expect(p.path, p.code).to.match(/^M\d+ \d+l[-\d lmz]+z$/);
  });

  it('records its source, licence and changes', () => {
    expect(JAPAN_MAP.source).to.match(/Natural Earth/);
    expect(JAPAN_MAP.licence).to.match(/public domain/i);
    expect(JAPAN_MAP.changes).to.match(/Northern Territories/);
  });

  it('is a small file (under 300 KB)', () => {
    expect(statSync(new URL('../data/japan-map.json', import.meta.url)).size).to.be.below(300_000);
  });

  for (const p of JAPAN_MAP.prefectures)
    it(`draws ${p.code} inside the view box, around its label point`, () => {
      const pts = points(p.path);
      expect(pts.length).to.be.above(8);
      const xs = pts.map((q) => q[0]);
      const ys = pts.map((q) => q[1]);
      const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
      expect(minX).to.be.at.least(0);
      expect(minY).to.be.at.least(0);
      expect(maxX).to.be.at.most(width);
      expect(maxY).to.be.at.most(height);
      const [lx, ly] = p.label;
      expect(lx).to.be.within(minX, maxX);
      expect(ly).to.be.within(minY, maxY);
    });

  it('lays Japan out north to south: Hokkaido above Aomori above Tokyo above Kagoshima', () => {
    const top = (code: string) =>
      Math.min(...points(JAPAN_MAP.prefectures.find((p) => p.code === code)!.path).map((q) => q[1]));
    expect(top('JP-01')).to.be.below(top('JP-02'));
    expect(top('JP-02')).to.be.below(top('JP-13'));
    expect(top('JP-13')).to.be.below(top('JP-46'));
  });

  it('keeps Okinawa inside its inset frame', () => {
    const [x, y, w, h] = JAPAN_MAP.insets[0]!.frame as [number, number, number, number];
    for (const [px, py] of points(JAPAN_MAP.prefectures.find((p) => p.code === 'JP-47')!.path)) {
      expect(px).to.be.within(x, x + w);
      expect(py).to.be.within(y, y + h);
    }
  });
});

describe(renderJapanMapSvg.name, () => {
  it('renders a choropleth with a title per prefecture, escaping text', () => {
    const svg = renderJapanMapSvg({
      fills: { 'JP-13': '#c00000' },
      titles: { 'JP-13': '東京都: 12 <members>' },
      lang: 'ja',
    });
    expect(svg.match(/<path /g)).to.have.length(47);
    expect(svg).to.include('<path id="JP-13" d="');
    expect(svg).to.match(/id="JP-13" d="[^"]+" fill="#c00000"><title>東京都: 12 &lt;members&gt;<\/title>/);
    expect(svg).to.match(/id="JP-01" d="[^"]+" fill="#e8e8e8"><title>北海道<\/title>/);
    expect(svg).to.include('<title>都道府県別の参加状況</title>');
    expect(svg).not.to.match(/<script|href=/);
  });

  it('names prefectures in English when asked', () => {
    expect(renderJapanMapSvg({ lang: 'en' })).to.match(
      /id="JP-26" d="[^"]+" fill="#e8e8e8"><title>Kyoto<\/title>/,
    );
  });
});
