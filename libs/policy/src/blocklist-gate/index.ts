/**
 * The block-list gate (issue 14, section 3): what may go to members' block lists. Pure; the
 * warning lists ship as data (libs/policy/data/warninglists, SOURCES.md there).
 */
export * from './types.js';
export {
  BlocklistGate,
  checkForBlocklist,
  DEFAULT_WIDEST_PREFIX_V4,
  DEFAULT_WIDEST_PREFIX_V6,
} from './blocklist-gate.js';
export { SHIPPED_WARNING_LISTS } from './shipped-lists.js';
export {
  formatWarningListFileErrors,
  parseWarningListFile,
  type WarningListFileError,
  type WarningListFileOptions,
  type WarningListFileResult,
} from './warning-list-file.js';
export { promotionOf, type PromotionReason, type PromotionVerdict } from './promotion.js';
