/**
 * Domain types shared by libraries and services. Plain data, no behaviour, no infrastructure
 * types: ports, the policy and the services all speak these.
 */

/** TLP levels, strictest last. TLP 1.0 WHITE is CLEAR here; the marking's version is kept apart. */
export const TLP_LEVELS = ['clear', 'green', 'amber', 'amber+strict', 'red'] as const;
export type TlpLevel = (typeof TLP_LEVELS)[number];

export const TIERS = ['full', 'trial', 'partner', 'government'] as const;
export type Tier = (typeof TIERS)[number];

/** `retired`: the organisation left the hub; it keeps its id and history, and has no access (ADR 0020). */
export const ORG_STATUSES = ['active', 'suspended', 'retired'] as const;
export type OrgStatus = (typeof ORG_STATUSES)[number];

/** Org ids are safe MQTT topic segments and URL path segments: lower-case letters, digits, '-'. */
export type OrgId = string;
export const ORG_ID_PATTERN = /^[a-z0-9][a-z0-9-]{1,62}$/;

export interface Org {
  readonly id: OrgId;
  readonly name: string;
  /** One of the configured sectors (finance, telecom, broadcasting, building, sme, government, other). */
  readonly sector: string;
  /** Prefecture or region code, free text within the configured list. */
  readonly region: string;
  readonly tier: Tier;
  readonly status: OrgStatus;
  /** Trial members only: when the trial runs (ISO 8601). */
  readonly trial?: { readonly startsAt: string; readonly endsAt: string } | undefined;
  readonly contacts: readonly string[];
  /** The STIX identity id the hub generated for this organisation (`identity--…`). */
  readonly identityId: string;
  /** The organisation's MQTT password is derived from this generation (ADR 0006); absent: none issued. */
  readonly mqttCredential?: { readonly generation: number; readonly issuedAt: string } | undefined;
  /** ASCII-armoured OpenPGP public key; mail to this org is encrypted when present. */
  readonly pgpPublicKey?: string | undefined;
  /** How what this organisation submits is promoted to block lists (ADR 0030); absent: as the gate decides. */
  readonly blocklist?: BlocklistPromotion | undefined;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/**
 * Block-list promotion rules of a submitting organisation, set by hub administrators (ADR 0030):
 * its live indicators below `minConfidence` (or without a confidence when one is set) are never
 * pushed to block lists; with `approval`, the others wait for a hub analyst's approval.
 */
export interface BlocklistPromotion {
  /** 0–100; absent: no threshold. */
  readonly minConfidence?: number | undefined;
  readonly approval: boolean;
}

export const ROLES = ['hub-admin', 'org-admin', 'analyst', 'reader'] as const;
export type Role = (typeof ROLES)[number];

export const SCOPES = ['submit', 'read', 'subscribe', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export const CHANNELS = ['mqtt', 'email'] as const;
export type Channel = (typeof CHANNELS)[number];

export const OBSERVABLE_KINDS = ['ipv4', 'ipv6', 'domain', 'url', 'email', 'file-hash'] as const;
export type ObservableKind = (typeof OBSERVABLE_KINDS)[number];

export interface SubscriptionFilters {
  readonly objectTypes?: readonly string[] | undefined;
  readonly observableKinds?: readonly ObservableKind[] | undefined;
  readonly sourceSectors?: readonly string[] | undefined;
  readonly minConfidence?: number | undefined;
  readonly labels?: readonly string[] | undefined;
  /** Kill-chain phases, `phase` (Lockheed Martin chain) or `chain:phase`: an object with one of them. */
  readonly killChainPhases?: readonly string[] | undefined;
  /** The strictest TLP this subscription wants; stricter objects are not pushed on it. */
  readonly tlpCeiling?: TlpLevel | undefined;
}

export interface Subscription {
  readonly id: string;
  readonly orgId: OrgId;
  readonly channel: Channel;
  readonly filters: SubscriptionFilters;
  /** Email channel: where to send, how often, in which language. */
  readonly email?:
    | {
        readonly to: readonly string[];
        readonly mode: 'immediate' | 'hourly' | 'daily';
        readonly lang: 'ja' | 'en';
        /** IANA zone of times in its mail (ADR 0014); absent: the dispatcher's `mail.timeZone`. */
        readonly timeZone?: string | undefined;
      }
    | undefined;
  readonly createdAt: string;
}

/** Who is acting: a user (by token or password) or a machine (by API key), always of one org. */
export interface Principal {
  readonly orgId: OrgId;
  readonly userId?: string | undefined;
  readonly keyId?: string | undefined;
  readonly roles: readonly Role[];
  readonly scopes: readonly Scope[];
}

/** The audit log's actions (libs/store `AuditEvents` has one entry per name, checked by the compiler). */
export const AUDIT_ACTIONS = [
  'object.submit',
  'object.release',
  'object.delete',
  'object.retract',
  'object.feedback',
  'alert.ack',
  'dead_letter.retry',
  'dead_letter.drop',
  'mqtt_session.drop',
  'auth.login',
  'auth.logout',
  'auth.refresh_reuse',
  'org.create',
  'org.update',
  'org.tier_change',
  'org.status_change',
  'org.trial_extend',
  'org.trial_reminder',
  'org.trial_expired',
  'org.retire',
  'org.mqtt_credentials',
  'user.create',
  'user.update',
  'user.disable',
  'key.create',
  'key.revoke',
  'subscription.create',
  'subscription.delete',
  'blocklist.refuse',
  'blocklist.approve',
  'blocklist.reject',
  'blocklist.withdraw',
  'exercise.create',
  'exercise.close',
  'feed.create',
  'feed.pause',
  'feed.resume',
  'feed.remove',
  'partner.create',
  'partner.pause',
  'partner.resume',
  'partner.remove',
  'admin.denied',
] as const;
export type AuditActionName = (typeof AUDIT_ACTIONS)[number];
