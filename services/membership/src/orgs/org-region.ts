import { ValidationError } from '@isac/kernel';
import { formatRegion, isRegionCode, regionByCode, resolveRegion, type Region } from '@isac/regions';

/**
 * The regions an organisation may be in: every prefecture and country, or those of
 * `membership.regions` (given as codes or names, resolved once at start).
 */
export class RegionRule {
  private readonly allowed: ReadonlySet<string> | undefined;

  /** Throws, naming `membership.regions` and the nearest matches, when a configured entry is not a region. */
  constructor(configured: readonly string[] | undefined) {
    if (configured === undefined) return;
    const codes = new Set<string>();
    for (const [i, entry] of configured.entries()) {
      const r = resolveRegion(entry);
      if (!r.ok)
        throw new ValidationError(`membership.regions[${i}]: ${refusalText(entry, r.suggestions)}`, [
          { path: `/membership/regions/${i}`, message: r.message },
        ]);
      codes.add(r.region.code);
    }
    this.allowed = codes;
  }

  /** The canonical code of what was typed (`東京`, `13`, `Singapore`), or a 400 naming `/region`. */
  resolve(input: string): string {
    const r = resolveRegion(input);
    if (!r.ok) {
      const text =
        r.reason === 'unknown' ? refusalText(input, r.suggestions) : `region: ${r.message} / ${r.messageJa}`;
      throw new ValidationError(text, [{ path: '/region', message: r.message }]);
    }
    if (this.allowed && !this.allowed.has(r.region.code)) {
      const list = [...this.allowed].map((c) => regionByCode(c)!);
      throw new ValidationError(
        `region "${input.trim()}" (${formatRegion(r.region, 'en')}) is not one this hub accepts: ${list.map((x) => formatRegion(x, 'en')).join(', ')} / 地域「${input.trim()}」（${formatRegion(r.region, 'ja')}）はこのハブでは指定できません。指定できる地域: ${list.map((x) => formatRegion(x, 'ja')).join('、')}`,
        [{ path: '/region', message: 'not one of the regions this hub accepts (membership.regions)' }],
      );
    }
    return r.region.code;
  }
}

function refusalText(input: string, suggestions: readonly Region[]): string {
  const given = input.trim();
  const en = suggestions.length
    ? `; did you mean ${suggestions.map((s) => formatRegion(s, 'en')).join(', ')}?`
    : '; give a prefecture (JP-01 to JP-47, 東京都, Tokyo) or a country (US, United States)';
  const ja = suggestions.length
    ? `候補: ${suggestions.map((s) => formatRegion(s, 'ja')).join('、')}`
    : '都道府県（JP-13、東京都、Tokyo）か国（US、アメリカ合衆国）を指定してください';
  return `region "${given}" is not a prefecture or country${en} / 地域「${given}」は都道府県でも国でもありません。${ja}`;
}

/** The names of a stored region in both languages, or `unresolved` for free text kept from before. */
export function regionNamesOf(
  code: string,
): { readonly ja: string; readonly en: string } | 'unresolved' | undefined {
  if (code === '') return undefined;
  if (!isRegionCode(code)) return 'unresolved';
  const r = regionByCode(code)!;
  return { ja: r.nameJa, en: r.nameEn };
}
