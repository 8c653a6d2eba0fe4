/**
 * @isac/regions: the controlled vocabulary of member regions (Japan's prefectures, ISO 3166-1
 * countries), a resolver for what people type, and display width for aligning Japanese text. Pure:
 * the data ships as JSON modules. The participation map's boundaries are `@isac/regions/japan-map`.
 */
export {
  COUNTRIES,
  formatRegion,
  isRegionCode,
  JAPAN,
  PREFECTURES,
  regionByCode,
  type Country,
  type Prefecture,
  type Region,
} from './regions.js';
export {
  normalizeRegionText,
  planRegionMigration,
  regionIndexConflicts,
  resolveRegion,
  type RegionRefusal,
  type RegionResolution,
} from './resolve-region.js';
export { displayWidth, padEndDisplay, padStartDisplay, truncateDisplay } from './display-width.js';
