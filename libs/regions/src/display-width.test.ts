import { expect } from 'chai';
import { displayWidth, padEndDisplay, padStartDisplay, truncateDisplay } from './index.js';

describe(displayWidth.name, () => {
  const rows: [string, number, string][] = [
    ['abc', 3, 'ASCII'],
    ['東京都', 6, 'kanji count 2'],
    ['とうきょう', 10, 'hiragana'],
    ['トウキョウ', 10, 'katakana'],
    ['ﾄｳｷｮｳ', 5, 'half-width katakana count 1'],
    ['ＡＢＣ１２３', 12, 'full-width Latin and digits'],
    ['Kyōto', 5, 'a precomposed accent'],
    ['Kyo\u0304to', 5, 'a combining mark counts 0'],
    ['\u001b[31m赤\u001b[0m', 2, 'ANSI colour codes count 0'],
    ['🇯🇵', 2, 'a flag emoji'],
    ['', 0, 'empty'],
  ];
  for (const [text, width, why] of rows)
    it(`${JSON.stringify(text)} is ${width} columns (${why})`, () => {
      expect(displayWidth(text)).to.equal(width);
    });

  it('pads Japanese and ASCII text to the same columns', () => {
    const cells = ['東京都', 'Tokyo', '北海道札幌市'];
    const padded = cells.map((c) => padEndDisplay(c, 14) + '|');
    expect(padded).to.deep.equal(['東京都        |', 'Tokyo         |', '北海道札幌市  |']);
    expect(padded.map(displayWidth)).to.deep.equal([15, 15, 15]);
    expect(padStartDisplay('12', 4)).to.equal('  12');
    expect(padEndDisplay('東京都', 2)).to.equal('東京都');
  });

  it('truncates by columns without splitting a wide character', () => {
    expect(truncateDisplay('東京都千代田区', 7)).to.equal('東京都…');
    expect(truncateDisplay('東京都千代田区', 8)).to.equal('東京都…');
    expect(truncateDisplay('東京都', 6)).to.equal('東京都');
    expect(truncateDisplay('abcdef', 4)).to.equal('abc…');
    expect(truncateDisplay('abc', 0)).to.equal('');
  });
});
