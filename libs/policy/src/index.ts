export * from './types.js';
export {
  DEFAULT_POLICY_RULES,
  PolicyConfigError,
  validatePolicyRules,
  type PolicyConfigProblem,
} from './rules.js';
export { PolicyEngine, type RecipientClass } from './engine.js';
export {
  forRecipient,
  policyInput,
  policyInputBase,
  type PolicyInputBase,
  type ReleasableVersion,
} from './policy-input.js';
export { orgStanding, NO_GRACE, type Standing, type StandingReason, type StandingRules } from './standing.js';
export * from './blocklist-gate/index.js';
export { filterMismatch, observablesOf, type FilterInput } from './subscription-filters.js';
export { AgreementError, allowedTlpNames, parseAllowedTlp, type PartnerAgreement } from './egress.js';
export {
  aggregateFeedback,
  feedbackConfidence,
  reportTlp,
  reportVisible,
  FEEDBACK_KINDS,
  CONFIDENCE_UNSTATED,
  type ConfidenceInput,
  type FeedbackAggregate,
  type FeedbackFacts,
  type FeedbackKind,
  type ReportAudience,
} from './feedback.js';
export * from './decay.js';
