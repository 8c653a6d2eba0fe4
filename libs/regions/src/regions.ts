/**
 * The region vocabulary: Japan's 47 prefectures and the ISO 3166-1 countries (data in
 * libs/regions/data, sources and licences in SOURCES.md there).
 *
 * Canonical region codes: a prefecture is its ISO 3166-2 code (`JP-01` … `JP-47`, the JIS X 0401
 * number behind `JP-`), a country abroad its ISO 3166-1 alpha-2 code (`US`, `KR`). Japan itself
 * (`JP`) is not a region: a member in Japan is in a prefecture.
 */
import countriesData from '../data/countries.json' with { type: 'json' };
import prefecturesData from '../data/prefectures.json' with { type: 'json' };

export interface Prefecture {
  readonly kind: 'prefecture';
  /** ISO 3166-2 code: `JP-13`. */
  readonly code: string;
  /** JIS X 0401 code: `13`. */
  readonly jis: string;
  /** `東京都`. */
  readonly nameJa: string;
  /** `Tokyo`. */
  readonly nameEn: string;
  /** Reading in hiragana: `とうきょう`. */
  readonly kana: string;
  /** Other romanisations people type: `toukyou`. */
  readonly aliases: readonly string[];
}

export interface Country {
  readonly kind: 'country';
  /** ISO 3166-1 alpha-2: `US`. */
  readonly code: string;
  /** ISO 3166-1 alpha-3: `USA`. */
  readonly alpha3: string;
  /** CLDR English name: `United States`. */
  readonly nameEn: string;
  /** CLDR Japanese name: `アメリカ合衆国`. */
  readonly nameJa: string;
  /** CLDR short and variant names: `US`, `アメリカ`. */
  readonly altNames: readonly string[];
}

export type Region = Prefecture | Country;

/** The country code of Japan, which is not itself a region (its prefectures are). */
export const JAPAN = 'JP';

export const PREFECTURES: readonly Prefecture[] = Object.freeze(
  prefecturesData.prefectures.map((p): Prefecture =>
    Object.freeze({
      kind: 'prefecture',
      code: p.code,
      jis: p.jis,
      nameJa: p.nameJa,
      nameEn: p.nameEn,
      kana: p.kana,
      aliases: Object.freeze([...(('aliases' in p ? p.aliases : []) as string[])]),
    }),
  ),
);

/** All 249 ISO 3166-1 countries, Japan included (for display); `resolveRegion` refuses `JP`. */
export const COUNTRIES: readonly Country[] = Object.freeze(
  countriesData.countries.map((c): Country =>
    Object.freeze({
      kind: 'country',
      code: c.code,
      alpha3: c.alpha3,
      nameEn: c.nameEn,
      nameJa: c.nameJa,
      altNames: Object.freeze([
        ...(('altEn' in c ? c.altEn : []) as string[]),
        ...(('altJa' in c ? c.altJa : []) as string[]),
      ]),
    }),
  ),
);

const BY_CODE = new Map<string, Region>([
  ...PREFECTURES.map((p): [string, Region] => [p.code, p]),
  ...COUNTRIES.filter((c) => c.code !== JAPAN).map((c): [string, Region] => [c.code, c]),
]);

/** The region of a canonical code (`JP-13`, `US`), exactly as written; undefined otherwise. */
export function regionByCode(code: string): Region | undefined {
  return BY_CODE.get(code);
}

/** True for a canonical region code: `JP-01` … `JP-47` or an ISO 3166-1 alpha-2 code other than `JP`. */
export function isRegionCode(code: string): boolean {
  return BY_CODE.has(code);
}

/** `東京都 (JP-13)` / `Tokyo (JP-13)`; `アメリカ合衆国 (US)` / `United States (US)`. */
export function formatRegion(region: Region, lang: 'ja' | 'en'): string {
  return `${lang === 'ja' ? region.nameJa : region.nameEn} (${region.code})`;
}
