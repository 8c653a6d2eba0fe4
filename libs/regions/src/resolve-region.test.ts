import { expect } from 'chai';
import {
  COUNTRIES,
  isRegionCode,
  normalizeRegionText,
  planRegionMigration,
  PREFECTURES,
  regionByCode,
  regionIndexConflicts,
  resolveRegion,
  type RegionResolution,
} from './index.js';

function codeOf(r: RegionResolution): string {
  if (!r.ok) throw new Error(`expected a region, got ${r.reason}: ${r.message}`);
  return r.region.code;
}
function refusal(r: RegionResolution) {
  if (r.ok) throw new Error(`expected a refusal, got ${r.region.code}`);
  return r;
}

describe(resolveRegion.name, () => {
  it('has Japan’s 47 prefectures, JP-01 Hokkaido to JP-47 Okinawa, and the 249 ISO 3166-1 countries', () => {
    expect(PREFECTURES.map((p) => p.code)).to.deep.equal(
      Array.from({ length: 47 }, (_, i) => `JP-${String(i + 1).padStart(2, '0')}`),
    );
    expect(PREFECTURES[0]).to.include({ jis: '01', nameJa: '北海道', nameEn: 'Hokkaido' });
    expect(PREFECTURES[12]).to.include({ jis: '13', nameJa: '東京都', nameEn: 'Tokyo' });
    expect(PREFECTURES[46]).to.include({ jis: '47', nameJa: '沖縄県', nameEn: 'Okinawa' });
    expect(COUNTRIES).to.have.length(249);
    expect(new Set(COUNTRIES.map((c) => c.code)).size).to.equal(249);
  });

  it('no two regions share a name, code or alias', () => {
    expect(regionIndexConflicts()).to.deep.equal([]);
  });

  describe('every prefecture', () => {
    for (const p of PREFECTURES) {
      const short = p.nameJa.replace(/[都府県]$/, '');
      const ways = [
        p.code,
        p.jis,
        String(Number(p.jis)),
        p.nameJa,
        short,
        p.nameEn,
        p.nameEn.toUpperCase(),
        p.kana,
      ];
      it(`resolves ${p.code} ${p.nameJa} ${p.nameEn} from ${ways.join(' / ')}`, () => {
        for (const w of ways) expect(codeOf(resolveRegion(w)), w).to.equal(p.code);
      });
    }
  });

  describe('the ways people write a prefecture', () => {
    const rows: [string, string][] = [
      ['東京', 'JP-13'],
      ['東京都', 'JP-13'],
      ['Tokyo', 'JP-13'],
      ['tokyo', 'JP-13'],
      ['tokyo-to', 'JP-13'],
      ['Tokyo Metropolis', 'JP-13'],
      ['ＪＰ－１３', 'JP-13'],
      ['ｊｐ１３', 'JP-13'],
      ['１３', 'JP-13'],
      ['ｔｏｋｙｏ', 'JP-13'],
      ['トウキョウ', 'JP-13'],
      ['ﾄｳｷｮｳ', 'JP-13'],
      ['とうきょうと', 'JP-13'],
      ['  Tokyo  ', 'JP-13'],
      ['jp13', 'JP-13'],
      ['JP-1', 'JP-01'],
      ['1', 'JP-01'],
      ['Hokkaidō', 'JP-01'],
      ['hokkaidou', 'JP-01'],
      ['Kyōto', 'JP-26'],
      ['京都', 'JP-26'],
      ['Kyoto-fu', 'JP-26'],
      ['Ōsaka', 'JP-27'],
      ['osaka fu', 'JP-27'],
      ['Aichi-ken', 'JP-23'],
      ['aichi ken', 'JP-23'],
      ['Aichi Prefecture', 'JP-23'],
      ['Aichi Pref.', 'JP-23'],
      ['Hyōgo', 'JP-28'],
      ['Hyougo', 'JP-28'],
      ['Kōchi', 'JP-39'],
      ['Ōita', 'JP-44'],
      ['Gumma', 'JP-10'],
      ['神奈川', 'JP-14'],
      ['かながわけん', 'JP-14'],
      ['沖縄', 'JP-47'],
    ];
    for (const [input, code] of rows)
      it(`resolves ${JSON.stringify(input)} to ${code}`, () => {
        expect(codeOf(resolveRegion(input))).to.equal(code);
      });
  });

  describe('countries', () => {
    it('resolves every country but Japan by alpha-2, alpha-3, English and Japanese name', () => {
      for (const c of COUNTRIES.filter((x) => x.code !== 'JP'))
        for (const w of [c.code, c.code.toLowerCase(), c.alpha3, c.nameEn, c.nameJa, ...c.altNames])
          expect(codeOf(resolveRegion(w)), `${w} (${c.code})`).to.equal(c.code);
    });

    const rows: [string, string][] = [
      ['US', 'US'],
      ['usa', 'US'],
      ['United States', 'US'],
      ['アメリカ合衆国', 'US'],
      ['アメリカ', 'US'],
      ['UK', 'GB'],
      ['英国', 'GB'],
      ['South Korea', 'KR'],
      ['韓国', 'KR'],
      ['Ivory Coast', 'CI'],
      ["Cote d'Ivoire", 'CI'],
      ['ＳＧ', 'SG'],
      ['Turkey', 'TR'],
      ['台湾', 'TW'],
    ];
    for (const [input, code] of rows)
      it(`resolves ${JSON.stringify(input)} to ${code}`, () => {
        expect(codeOf(resolveRegion(input))).to.equal(code);
      });

    for (const input of ['JP', 'jp', 'JPN', 'Japan', '日本', 'ニッポン'])
      it(`refuses ${JSON.stringify(input)}: a member in Japan gives its prefecture`, () => {
        const r = refusal(resolveRegion(input));
        expect(r.reason).to.equal('prefecture-required');
        expect(r.message).to.match(/prefecture/);
        expect(r.messageJa).to.match(/都道府県を指定してください/);
      });
  });

  describe('free text', () => {
    const rows: [string, string[]][] = [
      ['Tokio', ['JP-13']],
      ['Hokaido', ['JP-01']],
      ['Kanagwa', ['JP-14', 'JP-37']],
      ['Fukuoak', ['JP-40']],
      ['東協都', ['JP-13']],
      ['Untied States', ['US']],
      ['Germny', ['DE']],
    ];
    for (const [input, suggestions] of rows)
      it(`refuses ${JSON.stringify(input)} with the nearest matches ${suggestions.join(', ')}`, () => {
        const r = refusal(resolveRegion(input));
        expect(r.reason).to.equal('unknown');
        expect(r.suggestions.map((s) => s.code)).to.deep.equal(suggestions);
      });

    it('says what to give, and suggests, in English and Japanese', () => {
      const r = refusal(resolveRegion('Tokio'));
      expect(r.message).to.equal(
        '"Tokio" is not a region: give a prefecture (JP-01 to JP-47, 東京都, Tokyo) or a country by ISO 3166-1 code or name (US, United States). Did you mean Tokyo (JP-13)?',
      );
      expect(r.messageJa).to.equal(
        '「Tokio」は地域として認識できません。都道府県（JP-01〜JP-47、東京都、Tokyo）か、国（ISO 3166-1 のコードまたは国名: US、アメリカ合衆国）を指定してください。候補: 東京都 (JP-13)',
      );
    });

    for (const input of ['Kansai region', 'xyz123', 'JP-48', 'JP-00', '48', 'Tokyo, Japan'])
      it(`refuses ${JSON.stringify(input)}`, () => {
        expect(refusal(resolveRegion(input)).reason).to.equal('unknown');
      });

    it('refuses an empty region', () => {
      expect(refusal(resolveRegion('  ')).reason).to.equal('empty');
      expect(refusal(resolveRegion('')).messageJa).to.match(/^地域が空です/);
    });
  });

  it('knows canonical codes exactly as written', () => {
    expect(isRegionCode('JP-13')).to.equal(true);
    expect(isRegionCode('US')).to.equal(true);
    expect(isRegionCode('JP')).to.equal(false);
    expect(isRegionCode('jp-13')).to.equal(false);
    expect(isRegionCode('13')).to.equal(false);
    expect(regionByCode('JP-47')?.nameJa).to.equal('沖縄県');
  });

  it('normalises width, case, accents, kana and punctuation', () => {
    expect(normalizeRegionText('ＪＰ－１３')).to.equal('jp13');
    expect(normalizeRegionText('Kyōto-Fu')).to.equal('kyotofu');
    expect(normalizeRegionText('ﾄｳｷｮｳ')).to.equal('とうきょう');
    expect(normalizeRegionText('ガ')).to.equal('が');
  });

  it('plans the migration of free-text regions: codes for what resolves, suggestions for the rest', () => {
    expect(planRegionMigration(['Tokyo', '東京都', 'Tokyo', 'Tokio', 'Kansai'])).to.deep.equal([
      { from: 'Tokyo', to: 'JP-13', suggestions: [] },
      { from: '東京都', to: 'JP-13', suggestions: [] },
      { from: 'Tokio', suggestions: ['JP-13'] },
      { from: 'Kansai', suggestions: [] },
    ]);
  });
});
