export * from './tlp.js';
export { canonicalId, sameId } from './identifier.js';
export { EVENT_TYPES, isEvent, eventMemberIds, eventKind } from './events.js';
export type { StixObject } from './types.js';
export type { StixIssue, StixRule, ObjectReport, BundleReport, ValidateOptions } from './report.js';
export { STIX_RULES } from './report.js';
export {
  validateObject,
  validateBundle,
  resolveSelector,
  idType,
  isDomainName,
  isEmailAddress,
  isUrl,
} from './validate.js';
export { parsePattern, PatternSyntaxError, MAX_PATTERN_LENGTH, MAX_PATTERN_NESTING } from './pattern.js';
export type {
  PatternAst,
  ObservationExpression,
  Observation,
  ObservationGroup,
  ObservationBoolean,
  Qualified,
  Qualifier,
  ComparisonExpression,
  Comparison,
  ComparisonBoolean,
  ComparisonOperator,
  Exists,
  ObjectPath,
  PathStep,
  Literal,
  LiteralKind,
} from './pattern.js';
export { validatePattern, analyzePattern } from './pattern-check.js';
export { pcreProblem } from './pcre.js';
export { languageTagProblem, isLanguageTag } from './language-tag.js';
export { isCpe23, isIanaCharset, hasRegistryHive, isLowerHex, REGISTRY_HIVES } from './formats.js';
export type { PatternAnalysis } from './pattern-check.js';
export { extractObservables, isIpv4, isIpv6 } from './observables.js';
export type { Observable, ObservableKind } from './observables.js';
export {
  buildIndicator,
  iocPattern,
  patternString,
  InvalidIocError,
  IOC_KINDS,
  DEFAULT_KILL_CHAIN,
  LOCKHEED_PHASES,
  killChainPhaseOf,
  validUntilOf,
} from './builders.js';
export type { IocKind, BuildIndicatorInput, KillChainPhase } from './builders.js';
export {
  deterministicScoId,
  STIX_NAMESPACE,
  ScoIdError,
  canonicalJson,
  uuidV5,
  uuidOfHex,
  ID_CONTRIBUTING_PROPERTIES,
} from './sco-id.js';
export { checkTimestamp, isTimestamp, compareTimestamps, formatTimestamp } from './timestamp.js';
export { ENUMS, OPEN_VOCABS, SDO_TYPES, SRO_TYPES, SCO_TYPES, META_TYPES } from './vocab.js';
export * from './hub-extension.js';
export { hubIdentity, type HubStixIdentity } from './hub-identity.js';
export {
  mispEventToStix,
  MispEventError,
  MISP_MAPPED_TYPES,
  type MispCounts,
  type MispMapping,
  type MispMappingOptions,
} from './misp.js';
export {
  EXERCISE_MARKING,
  EXERCISE_MARKING_ID,
  EXERCISE_LABEL,
  markingDefinitionById,
} from './exercise-marking.js';
export {
  answers,
  indexEntriesOf,
  indexEntriesOfPattern,
  indexEntry,
  normaliseDomain,
  normaliseEmail,
  normaliseUrl,
  parseObservableQuery,
  ObservableQueryError,
} from './observable-index.js';
export type { IndexedObservable, ObservableQuery } from './observable-index.js';
