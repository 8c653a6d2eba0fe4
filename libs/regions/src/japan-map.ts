/**
 * The participation map of Japan (issue 17): one SVG path per prefecture in a projected view box,
 * Okinawa in an inset, from Natural Earth (public domain; libs/regions/data/SOURCES.md). Pure: the
 * console renders it as it is, or through `renderJapanMapSvg`.
 */
import map from '../data/japan-map.json' with { type: 'json' };
import { PREFECTURES } from './regions.js';

export interface JapanMapPrefecture {
  /** ISO 3166-2 code, `JP-13`. */
  readonly code: string;
  /** SVG path data in the view box (relative moves, whole units). */
  readonly path: string;
  /** Where a label or marker goes, `[x, y]`: Natural Earth's label point, projected. */
  readonly label: readonly number[];
}

export interface JapanMap {
  readonly source: string;
  readonly licence: string;
  readonly retrieved: string;
  readonly projection: string;
  /** What differs from the source, and why. */
  readonly changes: string;
  /** `0 0 width height`. */
  readonly viewBox: string;
  /** Prefectures drawn away from their place, with the frame to draw around them `[x, y, w, h]`. */
  readonly insets: readonly { readonly codes: readonly string[]; readonly frame: readonly number[] }[];
  readonly prefectures: readonly JapanMapPrefecture[];
}

export const JAPAN_MAP: JapanMap = map;

export interface JapanMapOptions {
  /** Fill per prefecture code (CSS colour); prefectures not given use `emptyFill`. */
  readonly fills?: Readonly<Record<string, string>>;
  readonly emptyFill?: string;
  readonly stroke?: string;
  readonly lang?: 'ja' | 'en';
  /** Accessible title of the whole map. */
  readonly title?: string;
  /** Per-prefecture tooltip text (`<title>`), e.g. `東京都: 12 members`; default the prefecture's name. */
  readonly titles?: Readonly<Record<string, string>>;
}

const escapeXml = (s: string): string =>
  s.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!,
  );

/** The map as one SVG document (no script, no external reference): a choropleth when given fills. */
export function renderJapanMapSvg(options: JapanMapOptions = {}): string {
  const lang = options.lang ?? 'ja';
  const empty = options.emptyFill ?? '#e8e8e8';
  const stroke = options.stroke ?? '#ffffff';
  const names = new Map(PREFECTURES.map((p) => [p.code, lang === 'ja' ? p.nameJa : p.nameEn]));
  const title = options.title ?? (lang === 'ja' ? '都道府県別の参加状況' : 'Participation by prefecture');
  const frames = JAPAN_MAP.insets
    .map(
      ({ frame: [x, y, w, h] }) =>
        `<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="none" stroke="#999999"/>`,
    )
    .join('');
  const paths = JAPAN_MAP.prefectures
    .map((p) => {
      const tip = options.titles?.[p.code] ?? names.get(p.code) ?? p.code;
      const fill = options.fills?.[p.code] ?? empty;
      return `<path id="${p.code}" d="${p.path}" fill="${escapeXml(fill)}"><title>${escapeXml(tip)}</title></path>`;
    })
    .join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="${JAPAN_MAP.viewBox}" role="img">` +
    `<title>${escapeXml(title)}</title>${frames}` +
    `<g stroke="${escapeXml(stroke)}" stroke-width="1" stroke-linejoin="round">${paths}</g></svg>`
  );
}
