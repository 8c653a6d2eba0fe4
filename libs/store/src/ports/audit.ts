import type { AuditActionName, OrgId, Role, Scope, Tier } from '@isac/kernel';

export { AUDIT_ACTIONS } from '@isac/kernel';

/**
 * The audit log's events (ADR 0008): one variant per action, each with its target and its typed
 * details. Every service writes only these, and readers (the participation report, the sweeper)
 * narrow on `action` instead of parsing `details` by hand. A new action is a new variant here.
 */

export interface AuditActor {
  readonly orgId?: OrgId | undefined;
  readonly userId?: string | undefined;
  readonly keyId?: string | undefined;
  readonly system?: boolean | undefined;
}

export type AuditOutcome = 'ok' | 'denied' | 'failed';

interface Target<K extends string> {
  readonly kind: K;
  readonly id: string;
  readonly orgId?: OrgId | undefined;
}

/** One release of one object version to one organisation (a per-organisation delivery: email). */
export interface DeliveryReleaseDetails {
  readonly version: string;
  /** 'email', or `email-digest:<subscription id>` for a digest item. */
  readonly channel: string;
  readonly alertId: string;
  readonly tlp: string;
  /** The policy rule that allowed it. */
  readonly rule?: string | undefined;
}

/** A decision on an approval-queue entry: the indicator version, its submitter, the observables, the reason given. */
export interface BlocklistDecisionDetails {
  readonly indicatorId: string;
  readonly version: string;
  readonly submitterOrgId: OrgId;
  readonly observables: readonly { readonly kind: string; readonly value: string }[];
  readonly reason?: string | undefined;
}

/** One MQTT fan-out: the organisations it added (ADR 0007). */
export interface FanoutReleaseDetails {
  readonly version: string;
  readonly channel: 'mqtt';
  readonly fanoutId: number;
  readonly recipients: readonly {
    readonly orgId: OrgId;
    readonly alertId: string;
    readonly tlp: string;
    readonly rule?: string | undefined;
  }[];
}

/**
 * One batch's release on one channel (ADR 0013): every recipient it added, each with how many of
 * the batch's versions it carried (its position set's count). MQTT names (org, TLP, exercise)
 * recipients of the batch fan-out; email names each organisation once, with the count of the union
 * of its subscriptions' sets, so the participation report counts objects, not messages.
 */
export interface BatchReleaseDetails {
  readonly batchId: number;
  readonly channel: 'mqtt' | 'email' | 'email-digest';
  /** The batch fan-out (MQTT). */
  readonly fanoutId?: number | undefined;
  readonly recipients: readonly {
    readonly orgId: OrgId;
    readonly alertId: string;
    readonly tlp: string;
    readonly exercise?: boolean | undefined;
    readonly objects: number;
  }[];
}

/** One TAXII page read by an organisation (pull is a release too). */
export interface ReadReleaseDetails {
  readonly channel: 'taxii';
  readonly count: number;
  readonly firstAdded: string;
  readonly lastAdded: string;
}

/**
 * A search by observable value (ADR 0036): the objects of one page of hits; the value is not kept.
 * `events`: an object's event view (ADR 0045), the objects it showed.
 */
export interface SearchReleaseDetails {
  readonly channel: 'search' | 'events';
  readonly count: number;
  readonly objects: readonly string[];
}

/** A page of a browse (ADR 0038): the objects on it; the filters are not kept. */
export interface BrowseReleaseDetails {
  readonly channel: 'browse';
  readonly count: number;
  readonly objects: readonly string[];
}

/**
 * One batch pushed to a partner hub (ADR 0042): how many versions it carried, the range of their
 * `date_added` in the source collection, by TLP, and the partner's status resource.
 */
export interface PartnerReleaseDetails {
  readonly channel: 'taxii-push';
  readonly collectionId: string;
  readonly count: number;
  readonly firstAdded: string;
  readonly lastAdded: string;
  readonly byTlp: Readonly<Record<string, number>>;
  readonly statusId?: string | undefined;
}

/** A partner as the audit log records it: never its credential. */
export interface PartnerAuditDetails {
  readonly name: string;
  readonly taxiiUrl: string;
  readonly collection: string;
  readonly allow: readonly string[];
  readonly sector?: string | undefined;
  readonly sources: readonly string[];
  readonly auth: string;
}

/**
 * A firewall or IDS export served (ADR 0043): the request (`list:ipv4`, `csv:all`, `suricata`),
 * how many values, the body's entity tag and the indicators it released values of. Written when the
 * body differs from the one the same credential was last given for that request.
 */
export interface ExportReleaseDetails {
  readonly channel: 'export';
  readonly count: number;
  readonly etag: string;
  readonly objects: readonly string[];
}

/** Action -> target and details. A union value is one of the shapes that action is written in. */
export interface AuditEvents {
  'object.submit': {
    target: Target<'submission'>;
    details: {
      readonly collectionId: string;
      /** 'taxii' | 'rest' | 'feed' */
      readonly channel: string;
      /** ADR 0041: the partner feed a `feed` submission came from. */
      readonly feedId?: string | undefined;
      readonly total: number;
      readonly succeeded: number;
      readonly failed: number;
      /** New versions stored (not duplicates). */
      readonly stored: number;
    };
  };
  'object.release':
    | { target: Target<'batch'>; details: BatchReleaseDetails }
    | { target: Target<'object'>; details: FanoutReleaseDetails }
    | { target: Target<'object'>; details: DeliveryReleaseDetails }
    | { target: Target<'collection'>; details: ReadReleaseDetails }
    | { target: Target<'search'>; details: SearchReleaseDetails }
    | { target: Target<'browse'>; details: BrowseReleaseDetails }
    | { target: Target<'partner'>; details: PartnerReleaseDetails }
    | { target: Target<'export'>; details: ExportReleaseDetails };
  'object.delete': {
    target: Target<'object'>;
    details: { readonly collectionId: string; readonly versions: readonly string[] };
  };
  /**
   * A retraction (ADR 0028): who took the object back (the actor), whose object it is
   * (`target.orgId`), why, and by which channel. `alreadyRetracted`: it was revoked before, and
   * nothing was stored.
   */
  'object.retract': {
    target: Target<'object'>;
    details: {
      readonly collectionId: string;
      /** 'cli' | 'rest' | 'taxii' */
      readonly channel: string;
      /** The revoked version (stored now, or before). */
      readonly version: string;
      readonly alreadyRetracted: boolean;
      readonly reason?: string | undefined;
      readonly statusId?: string | undefined;
    };
  };
  /**
   * Observables of a batch's live indicators that the block-list gate kept off block lists (ADR
   * 0013), one record per batch, per submitting organisation (`target.orgId`), so the submitter's
   * audit shows them.
   */
  'blocklist.refuse': {
    target: Target<'batch'>;
    details: {
      readonly batchId: number;
      readonly refusals: readonly {
        readonly submissionId?: string | undefined;
        readonly indicatorId: string;
        readonly kind: string;
        readonly value: string;
        readonly reason: string;
        readonly message: string;
      }[];
    };
  };
  /** A sighting or false-positive report on an object was recorded (ADR 0046). */
  'object.feedback': {
    target: Target<'object'>;
    details: {
      readonly reportId: string;
      readonly kind: 'sighting' | 'false_positive';
      readonly channel: string;
      readonly tlp: string;
    };
  };
  'alert.ack': {
    target: Target<'alert'>;
    details: { readonly objectId: string; readonly channel: string };
  };
  /** A hub analyst's decision on a held indicator version (ADR 0030 §2): who, why, what it covers. */
  'blocklist.approve': { target: Target<'blocklist_approval'>; details: BlocklistDecisionDetails };
  'blocklist.reject': { target: Target<'blocklist_approval'>; details: BlocklistDecisionDetails };
  /** A held version left the queue undecided: its indicator was retracted. */
  'blocklist.withdraw': { target: Target<'blocklist_approval'>; details: BlocklistDecisionDetails };
  'dead_letter.retry': { target: Target<'job'>; details?: undefined };
  /** A dead letter an administrator gave up on: kept (status dropped), never delivered. */
  'dead_letter.drop': {
    target: Target<'job'>;
    details: { readonly kind: string; readonly key: string; readonly reason?: string | undefined };
  };
  /** An administrator ended an embedded-broker session (ADR 0024): its connection closed, its queue gone. */
  'mqtt_session.drop': {
    target: Target<'mqtt_session'>;
    details: { readonly clientId: string; readonly queued: number; readonly connected: boolean };
  };
  'auth.login':
    | { target: Target<'user'>; details?: undefined }
    | { target: Target<'username'>; details: { readonly reason: string } };
  /** Logout from the console (ADR 0018): the user's access tokens are revoked. */
  'auth.logout': { target: Target<'user'>; details?: undefined };
  /** A rotated refresh token presented again (ADR 0023): its whole family was revoked. */
  'auth.refresh_reuse': { target: Target<'user'>; details: { readonly familyId: string } };
  'org.create': {
    target: Target<'org'>;
    details: {
      readonly tier: Tier;
      readonly sector?: string | undefined;
      readonly trialEndsAt?: string | undefined;
      /** The hub's own organisation, created at first start. */
      readonly bootstrap?: true | undefined;
    };
  };
  'org.update': { target: Target<'org'>; details: { readonly fields: readonly string[] } };
  'org.tier_change': {
    target: Target<'org'>;
    details: { readonly from: Tier; readonly to: Tier; readonly trialEndsAt?: string | undefined };
  };
  'org.status_change': {
    target: Target<'org'>;
    details: { readonly from: string; readonly to: string };
  };
  'org.trial_extend': {
    target: Target<'org'>;
    details: { readonly from: string | null; readonly to: string };
  };
  'org.trial_reminder': {
    target: Target<'org'>;
    details: { readonly daysLeft: number; readonly endsAt: string };
  };
  'org.trial_expired': { target: Target<'org'>; details: { readonly endsAt?: string | undefined } };
  /** The organisation left the hub: it keeps its id and history, and loses every access (ADR 0020). */
  'org.retire': { target: Target<'org'>; details: { readonly from: string } };
  'org.mqtt_credentials': { target: Target<'org'>; details: { readonly generation: number } };
  'user.create': {
    target: Target<'user'>;
    details: {
      readonly username?: string | undefined;
      readonly roles: readonly Role[];
      /** The first hub administrator. */
      readonly bootstrap?: true | undefined;
    };
  };
  'user.update': {
    target: Target<'user'>;
    details: {
      readonly username: string;
      readonly fields: readonly string[];
      readonly passwordChanged?: true | undefined;
      readonly rolesFrom?: readonly Role[] | undefined;
      readonly rolesTo?: readonly Role[] | undefined;
    };
  };
  'user.disable': { target: Target<'user'>; details: { readonly username: string } };
  'key.create': {
    target: Target<'api_key'>;
    details: {
      readonly scopes: readonly Scope[];
      readonly prefix: string;
      readonly expiresAt?: string | undefined;
    };
  };
  'key.revoke': { target: Target<'api_key'>; details: { readonly prefix: string } };
  'subscription.create': {
    target: Target<'subscription'>;
    details: { readonly channel: string; readonly to?: readonly string[] | undefined };
  };
  /** ADR 0033. */
  'exercise.create': {
    target: Target<'exercise'>;
    details: {
      readonly name: string;
      readonly participants: readonly OrgId[];
      readonly start: string;
      readonly end: string;
    };
  };
  'exercise.close': { target: Target<'exercise'>; details: { readonly name: string } };
  /** ADR 0041: never the credential's secret. */
  'feed.create': {
    target: Target<'feed'>;
    details: {
      readonly kind: string;
      readonly url: string;
      readonly collection?: string | undefined;
      readonly authType: string;
      readonly namedRecipients: readonly OrgId[];
    };
  };
  'feed.pause': { target: Target<'feed'>; details?: undefined };
  'feed.resume': { target: Target<'feed'>; details?: undefined };
  'feed.remove': { target: Target<'feed'>; details: { readonly url: string } };
  /** ADR 0042: partner hubs pushed to. */
  'partner.create': { target: Target<'partner'>; details: PartnerAuditDetails };
  'partner.pause': { target: Target<'partner'>; details: { readonly name: string } };
  'partner.resume': { target: Target<'partner'>; details: { readonly name: string } };
  'partner.remove': { target: Target<'partner'>; details: { readonly name: string } };
  'subscription.delete': { target: Target<'subscription'>; details: { readonly channel: string } };
  /**
   * An authenticated caller refused an administrative route (hub-admin or org-admin access).
   * Throttled by the writer: at most one per (actor, route) a minute, `suppressed` counting the
   * refusals of that pair not recorded since its previous record.
   */
  'admin.denied': {
    target: Target<'route'>;
    details: {
      readonly method: string;
      readonly path: string;
      readonly reason: string;
      readonly suppressed?: number | undefined;
    };
  };
}

export type AuditAction = keyof AuditEvents;

// Every action is listed in @isac/kernel's AUDIT_ACTIONS (what filters accept) and nothing else is.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _everyActionListed: Same<AuditAction, AuditActionName> = true;
void _everyActionListed;

/** The fields every record has, whatever its action. */
interface AuditHead {
  readonly at: string;
  readonly actor: AuditActor;
  readonly outcome: AuditOutcome;
}

type Variant<A extends AuditAction, E> = E extends { target: infer T; details?: infer D }
  ? AuditHead & {
      readonly action: A;
      readonly target: T;
    } & (undefined extends D ? { readonly details?: undefined } : { readonly details: D })
  : never;

/** An audit record to append: one variant per action (and per shape of that action). */
export type NewAuditRecord = { [A in AuditAction]: Variant<A, AuditEvents[A]> }[AuditAction];

/** The record of one action. */
export type AuditEventOf<A extends AuditAction> = Extract<NewAuditRecord, { action: A }>;

/** The details of an action. */
export type AuditDetailsOf<A extends AuditAction> = AuditEvents[A]['details'];

/** An action with its details, for helpers that add the head and the target themselves. */
export type AuditBody<A extends AuditAction = AuditAction> = A extends AuditAction
  ? { readonly action: A; readonly details: AuditDetailsOf<A> }
  : never;

export type AuditRecord = NewAuditRecord & {
  /** Strictly increasing sequence number. */
  readonly seq: number;
};

/** A query of the audit log. */
export interface AuditListQuery {
  orgId?: OrgId | undefined;
  /** An action name (the audit API passes what a client asked for; unknown names match nothing). */
  action?: string | undefined;
  /** Leave these actions out (ignored for the action `action` names). */
  excludeActions?: readonly string[] | undefined;
  /** Only records whose actor is this user id. */
  actorUserId?: string | undefined;
  since?: string | undefined;
  afterSeq?: number | undefined;
  /** Only records before this sequence number (paging newest first). */
  beforeSeq?: number | undefined;
  /** Newest first (default: oldest first). */
  newestFirst?: boolean | undefined;
  limit: number;
}

/** Append-only: there is no update or delete. */
export interface AuditLog {
  append(records: readonly NewAuditRecord[]): Promise<void>;
  list(q: AuditListQuery): Promise<AuditRecord[]>;
}
