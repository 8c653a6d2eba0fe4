export * from './objects.js';
export * from './jobs.js';
export * from './deliveries.js';
export * from './membership.js';
export * from './status.js';
export * from './audit.js';
export * from './refresh-tokens.js';
export * from './exercises.js';
export * from './retention.js';
export * from './approvals.js';
export * from './feeds.js';
export * from './partners.js';
export * from './feedback.js';

import type { ObjectStore } from './objects.js';
import type { JobStore } from './jobs.js';
import type { DeliveryStore } from './deliveries.js';
import type { ApiKeyStore, OrgStore, SubscriptionStore, UserStore } from './membership.js';
import type { StatusStore } from './status.js';
import type { AuditLog } from './audit.js';
import type { RefreshTokenStore } from './refresh-tokens.js';
import type { ExerciseStore } from './exercises.js';
import type { RetentionStore } from './retention.js';
import type { ApprovalStore } from './approvals.js';
import type { FeedStore } from './feeds.js';
import type { PartnerStore } from './partners.js';
import type { FeedbackStore } from './feedback.js';

/** Every port, from one adapter. */
export interface Stores {
  readonly objects: ObjectStore;
  readonly jobs: JobStore;
  readonly deliveries: DeliveryStore;
  readonly orgs: OrgStore;
  readonly users: UserStore;
  readonly apiKeys: ApiKeyStore;
  readonly subscriptions: SubscriptionStore;
  readonly statuses: StatusStore;
  readonly audit: AuditLog;
  readonly refreshTokens: RefreshTokenStore;
  readonly exercises: ExerciseStore;
  readonly retention: RetentionStore;
  /** The analyst approval queue of block-list promotion (ADR 0030). */
  readonly approvals: ApprovalStore;
  /** Partner feeds and their pull state (ADR 0041). */
  readonly feeds: FeedStore;
  /** Partner hubs pushed to, and where each push stands (ADR 0042). */
  readonly partners: PartnerStore;
  /** Sightings and false-positive reports, and the confidence they gave (ADR 0046). */
  readonly feedback: FeedbackStore;
  /** Which adapter: 'sqlite' | 'mongo'. */
  readonly kind: string;
  /**
   * Starts now what the first large submission would otherwise start (SQLite: the writer thread,
   * ADR 0019), so that submission is not the one that waits for it; resolves when it is ready.
   * A hub that accepts submissions calls it once at start. Nothing to do for MongoDB.
   */
  warm(): Promise<void>;
  close(): Promise<void>;
}
