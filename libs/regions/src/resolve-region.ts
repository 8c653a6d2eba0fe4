import { distance } from 'fastest-levenshtein';
import { COUNTRIES, formatRegion, JAPAN, PREFECTURES, regionByCode, type Region } from './regions.js';

export type RegionRefusal = 'empty' | 'unknown' | 'prefecture-required';

export type RegionResolution =
  | { readonly ok: true; readonly region: Region }
  | {
      readonly ok: false;
      readonly reason: RegionRefusal;
      readonly message: string;
      readonly messageJa: string;
      /** The nearest regions by edit distance over names in both languages, nearest first (at most 3). */
      readonly suggestions: readonly Region[];
    };

/**
 * Case-, width- and accent-insensitive form of a region's name or code: NFKC (full-width letters
 * and digits become ASCII, half-width kana full-width), lower case, Latin accents dropped
 * (`Kyōto` is `kyoto`), katakana as hiragana, spaces and punctuation removed (`tokyo-to`,
 * `Côte d’Ivoire`).
 */
export function normalizeRegionText(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .normalize('NFC')
    .replace(/[\u30a1-\u30f6]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0x60))
    .replace(/[\s\-‐‑‒–—―_.,・、。'’‘`"()（）「」]/g, '');
}

const JA_SUFFIX = /[都道府県]$/;
const READING_OF_SUFFIX: Readonly<Record<string, string>> = { 都: 'と', 府: 'ふ', 県: 'けん' };
const ROMAJI_OF_SUFFIX: Readonly<Record<string, string>> = { 都: 'to', 府: 'fu', 県: 'ken' };
/** Suffixes people add to a prefecture's name, tried when the name alone did not match. */
const SUFFIX_WORDS = ['prefecture', 'metropolis', 'pref', 'ken', 'fu', 'to', 'do', '都', '道', '府', '県'];
/** Japan's names: the country is not a region, its prefectures are. */
const JAPAN_NAMES = ['japan', 'jpn', 'nippon', 'nihon', '日本', '日本国', 'にほん', 'にっぽん'];

interface Index {
  readonly keys: Map<string, Region>;
  /** Keys that named two regions: kept out of `keys`, reported by `regionIndexConflicts`. */
  readonly conflicts: Set<string>;
}

function buildIndex(): Index {
  const keys = new Map<string, Region>();
  const conflicts = new Set<string>();
  const add = (text: string, region: Region): void => {
    const key = normalizeRegionText(text);
    if (key === '' || conflicts.has(key)) return;
    const had = keys.get(key);
    if (had && had !== region) {
      keys.delete(key);
      conflicts.add(key);
    } else keys.set(key, region);
  };
  for (const p of PREFECTURES) {
    const suffix = JA_SUFFIX.exec(p.nameJa)?.[0];
    const romaji = [p.nameEn, ...p.aliases];
    add(p.nameJa, p);
    add(p.kana, p);
    for (const r of romaji) {
      add(r, p);
      add(`${r} prefecture`, p);
      add(`${r} pref`, p);
    }
    if (suffix && p.code !== 'JP-01') {
      add(p.nameJa.slice(0, -1), p);
      add(p.kana + READING_OF_SUFFIX[suffix]!, p);
      for (const r of romaji) add(`${r}-${ROMAJI_OF_SUFFIX[suffix]!}`, p);
    }
    if (p.code === 'JP-13') for (const r of romaji) add(`${r} metropolis`, p);
  }
  for (const c of COUNTRIES) {
    if (c.code === JAPAN) continue;
    for (const name of [c.nameEn, c.nameJa, c.alpha3, ...c.altNames]) add(name, c);
  }
  return { keys, conflicts };
}

const INDEX = buildIndex();
const JAPAN_KEYS = new Set(JAPAN_NAMES.map(normalizeRegionText));
const PREFECTURE_NUMBER = /^(?:jp)?0?([1-9]|[1-3]\d|4[0-7])$/;

/** Keys that two regions share (none expected: a test keeps it so). */
export function regionIndexConflicts(): readonly string[] {
  return [...INDEX.conflicts];
}

/**
 * Resolves what a person typed to a region: a canonical code (`JP-13`, `US`), a JIS or ISO code
 * in any width or case (`13`, `jp13`, `ＪＰ－１３`), a prefecture's name in Japanese with or
 * without 都/道/府/県 (東京都, 東京), in kana (とうきょう, トウキョウ) or in English with or without
 * "Prefecture", "-ken", "-fu", "-to" (Tokyo, tokyo-to, Aichi-ken, Kyōto), or a country's ISO
 * 3166-1 alpha-2 or alpha-3 code or CLDR name in English or Japanese (United States, USA,
 * アメリカ). Anything else is refused with the nearest regions by edit distance.
 */
export function resolveRegion(input: string): RegionResolution {
  const exact = regionByCode(input.trim());
  if (exact) return { ok: true, region: exact };
  const key = normalizeRegionText(input);
  if (key === '') return refuse('empty', input, []);
  const number = PREFECTURE_NUMBER.exec(key);
  if (number) return { ok: true, region: PREFECTURES[Number(number[1]) - 1]! };
  if (/^[a-z]{2}$/.test(key)) {
    const country = regionByCode(key.toUpperCase());
    if (country) return { ok: true, region: country };
  }
  if (JAPAN_KEYS.has(key) || key === JAPAN.toLowerCase()) return refuse('prefecture-required', input, []);
  const named = INDEX.keys.get(key);
  if (named) return { ok: true, region: named };
  for (const s of SUFFIX_WORDS) {
    if (!key.endsWith(s) || key.length === s.length) continue;
    const p = INDEX.keys.get(key.slice(0, -s.length));
    if (p?.kind === 'prefecture') return { ok: true, region: p };
  }
  return refuse('unknown', input, nearest(key));
}

/** For migrating free-text regions: each distinct value, its code if it resolves, else suggestions. */
export function planRegionMigration(
  values: readonly string[],
): readonly { readonly from: string; readonly to?: string; readonly suggestions: readonly string[] }[] {
  return [...new Set(values)].map((from) => {
    const r = resolveRegion(from);
    return r.ok
      ? { from, to: r.region.code, suggestions: [] }
      : { from, suggestions: r.suggestions.map((s) => s.code) };
  });
}

function nearest(key: string): Region[] {
  const limit = Math.max(1, Math.floor(key.length / 3));
  const best = new Map<Region, number>();
  for (const [k, region] of INDEX.keys) {
    if (Math.abs(k.length - key.length) > limit) continue;
    const d = distance(k, key);
    if (d <= limit && d < (best.get(region) ?? Infinity)) best.set(region, d);
  }
  return [...best]
    .sort(
      ([a, da], [b, db]) =>
        da - db || (a.kind === b.kind ? a.code.localeCompare(b.code) : a.kind === 'prefecture' ? -1 : 1),
    )
    .slice(0, 3)
    .map(([r]) => r);
}

function refuse(reason: RegionRefusal, input: string, suggestions: Region[]): RegionResolution {
  const given = input.trim();
  const help =
    'give a prefecture (JP-01 to JP-47, 東京都, Tokyo) or a country by ISO 3166-1 code or name (US, United States)';
  const helpJa =
    '都道府県（JP-01〜JP-47、東京都、Tokyo）か、国（ISO 3166-1 のコードまたは国名: US、アメリカ合衆国）を指定してください';
  const didYouMean = suggestions.length
    ? ` Did you mean ${suggestions.map((s) => formatRegion(s, 'en')).join(', ')}?`
    : '';
  const candidates = suggestions.length
    ? `候補: ${suggestions.map((s) => formatRegion(s, 'ja')).join('、')}`
    : '';
  switch (reason) {
    case 'empty':
      return {
        ok: false,
        reason,
        message: `the region is empty: ${help}`,
        messageJa: `地域が空です。${helpJa}`,
        suggestions,
      };
    case 'prefecture-required':
      return {
        ok: false,
        reason,
        message: `"${given}" is the country: a member in Japan gives its prefecture (JP-01 to JP-47, e.g. JP-13 Tokyo)`,
        messageJa: `「${given}」は国名です。日本の会員は都道府県を指定してください（JP-01〜JP-47、例: JP-13 東京都）`,
        suggestions,
      };
    case 'unknown':
      return {
        ok: false,
        reason,
        message: `"${given}" is not a region: ${help}.${didYouMean}`,
        messageJa: `「${given}」は地域として認識できません。${helpJa}。${candidates}`,
        suggestions,
      };
  }
}
