import type { Scope } from '@isac/kernel';

/**
 * What a route requires of its caller: the `x-isac-access` extension of each operation in the
 * OpenAPI document, enforced by `defineRoute` through the access judge of libs/auth (ADR 0009).
 *
 * - `anyone`: no credentials (login, JWKS, this document).
 * - `principal`: any principal of an organisation in good standing, holding `scope` (every one
 *   listed) when given.
 * - `hub-admin`: a hub administrator. With `org: 'path'`, principals of the organisation in the
 *   path get forbidden and everyone else not_found.
 * - `hub-analyst`: a hub administrator, or a user of the hub's own organisation with the `analyst`
 *   role (the approval queue of block-list promotion, ADR 0030). Others get forbidden.
 * - `org-member`: a principal of the organisation in the path (or a hub administrator, who needs
 *   no scope); `scope` when given. Other organisations: not_found.
 * - `org-admin`: a user with the org-admin role of the organisation in the path (`org: 'path'`) or
 *   of its own organisation (the answer is limited to it), or a hub administrator.
 *
 * `resource` says that the route reaches one object owned by an organisation (a submission's
 * status, an object, an alert): principals of other organisations get not_found, and hub
 * administrators are let through only when `hubAdmin` is true. The service checks it, since only
 * it can see the owner.
 */
export type AccessRequirement = (
  | { readonly who: 'anyone' }
  | { readonly who: 'principal'; readonly scope?: Scope | readonly Scope[] }
  | { readonly who: 'hub-admin'; readonly org?: 'path' }
  | { readonly who: 'hub-analyst' }
  | { readonly who: 'org-member'; readonly org: 'path'; readonly scope?: Scope }
  | { readonly who: 'org-admin'; readonly org?: 'path' }
) & {
  readonly resource?: {
    readonly owner: 'submitter' | 'recipient';
    readonly hubAdmin: boolean;
    /**
     * Retraction (TAXII DELETE, REST retract): another organisation that can see the object (the policy releases it to
     * it) gets forbidden, since it knows the object exists; one that cannot, not_found.
     */
    readonly othersWhoSeeIt?: 'forbidden';
  };
};
