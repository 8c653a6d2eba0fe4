export { composeMembership, BOOTSTRAP_USERNAME, type Membership, type MembershipDeps } from './compose.js';
export {
  membershipConfigSchema,
  defaultMembershipConfig,
  DEFAULT_SECTORS,
  type MembershipConfig,
} from './config.js';
export { orgIdentityId } from './shared/ids.js';
export { SUBMIT_ACTION, RELEASE_ACTION } from './reports/reports-service.js';
