import type {
  ApiKeyStore,
  AuditLog,
  DeliveryStore,
  JobStore,
  ObjectStore,
  OrgStore,
  StatusStore,
  SubscriptionStore,
  UserStore,
  RefreshTokenStore,
  ExerciseStore,
  RetentionStore,
  ApprovalStore,
  FeedStore,
  PartnerStore,
  FeedbackStore,
} from '../ports/index.js';

/**
 * The one way this process writes to its SQLite file (ADR 0019, follow-up). A large submission is
 * stored by the writer thread in one transaction that stays open across many turns of the event
 * loop; while it holds SQLite's write lock, a write on the main connection would wait for it
 * synchronously (busy_timeout), freezing the loop. So every write of the main connection runs
 * through the lane: at once when the lane is free (synchronously, as before), otherwise queued
 * and run in arrival order, one per turn, once the writer thread has committed.
 *
 * No deadlock: the main connection never holds the write lock across an await (each of its
 * writes is one synchronous transaction), and the writer thread never waits for the main thread
 * while it holds the lock, only for the slices the main thread sends it.
 */
export class WriteLane {
  /** A hold is running, or queued work is being drained. */
  private busy = false;
  private readonly queue: (() => Promise<void> | void)[] = [];

  /** Runs a synchronous write now if the lane is free, else after the writes and holds ahead of it. */
  run<T>(write: () => T): Promise<T> {
    // The executor runs at once; a throw becomes the rejection.
    if (!this.busy) return new Promise<T>((resolve) => resolve(write()));
    return new Promise<T>((resolve) =>
      this.queue.push(() => resolve(new Promise<T>((done) => done(write())))),
    );
  }

  /** Runs `work` alone: no other write of this lane starts until the promise it returns settles. */
  hold<T>(work: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve) => {
      const start = (): Promise<void> => {
        const out = new Promise<T>((done) => done(work()));
        resolve(out);
        return out.then(
          () => undefined,
          () => undefined,
        );
      };
      if (this.busy) {
        this.queue.push(start);
        return;
      }
      this.busy = true;
      void start().then(() => this.next());
    });
  }

  /** Whether a hold is running or writes are waiting (for tests and diagnostics). */
  get held(): boolean {
    return this.busy;
  }

  /** The next queued task, one per turn of the event loop, so a backlog does not become one block. */
  private next(): void {
    const task = this.queue.shift();
    if (!task) {
      this.busy = false;
      return;
    }
    setImmediate(() => {
      const out = task();
      if (out instanceof Promise) void out.finally(() => this.next());
      else this.next();
    });
  }
}

/** How a store method touches the file: reads run as they come, writes go through the lane. */
export type Access = 'read' | 'write' | 'own-lane';

type Methods<T> = {
  readonly [K in keyof T as T[K] extends (...args: never[]) => unknown ? K : never]: Access;
};

/**
 * Every method of every port, classified. The mapped types make the classification complete: a
 * method added to a port does not compile until it is listed here.
 */
export const OBJECT_ACCESS: Methods<ObjectStore> = {
  accept: 'own-lane', // small: lane.run; large: lane.hold around the writer thread's transaction
  batchVersions: 'read',
  batchEntries: 'read',
  list: 'read',
  get: 'read',
  remove: 'write',
  getVersion: 'read',
  latestVersions: 'read',
  latestOf: 'read',
  eventsNaming: 'read',
  versionIndex: 'read',
  exerciseObjectIds: 'read',
  exerciseSubmitters: 'read',
  searchObservables: 'read',
  browse: 'read',
  priorReports: 'read',
  sweepExpiry: 'write',
};
export const JOB_ACCESS: Methods<JobStore> = {
  enqueue: 'write',
  claim: 'write',
  renew: 'write',
  complete: 'write',
  completeMany: 'write',
  retry: 'write',
  bury: 'write',
  get: 'read',
  getByKey: 'read',
  list: 'read',
  revive: 'write',
  drop: 'write',
  nextDue: 'read',
  enqueueWithBlob: 'write',
  enqueueWithBlobs: 'write',
  getBlob: 'read',
  releaseBlobs: 'write',
  queueStats: 'read',
};
export const DELIVERY_ACCESS: Methods<DeliveryStore> = {
  batchFor: 'write',
  getBatch: 'read',
  recordFanouts: 'write',
  markFanouts: 'write',
  recordBatchFanouts: 'write',
  markBatchFanouts: 'write',
  getBatchFanouts: 'read',
  recordBatchMails: 'write',
  getBatchMails: 'read',
  markBatchMails: 'write',
  listBatchDigestItems: 'read',
  recordMany: 'write',
  getMany: 'read',
  markSentMany: 'write',
  markFailed: 'write',
  listDigestItems: 'read',
  acknowledge: 'write',
  listForOrg: 'read',
  listForObject: 'read',
};
export const ORG_ACCESS: Methods<OrgStore> = {
  create: 'write',
  get: 'read',
  getByIdentityId: 'read',
  list: 'read',
  update: 'write',
  revision: 'read',
};
export const USER_ACCESS: Methods<UserStore> = {
  create: 'write',
  getByUsername: 'read',
  get: 'read',
  listForOrg: 'read',
  count: 'read',
  recordFailedLogin: 'write',
  recordSuccessfulLogin: 'write',
  setPassword: 'write',
  setDisabled: 'write',
  revokeTokens: 'write',
  setRoles: 'write',
  unlock: 'write',
  revision: 'read',
};
export const API_KEY_ACCESS: Methods<ApiKeyStore> = {
  create: 'write',
  getByPrefix: 'read',
  get: 'read',
  listForOrg: 'read',
  revoke: 'write',
  touch: 'write',
  revision: 'read',
};
export const SUBSCRIPTION_ACCESS: Methods<SubscriptionStore> = {
  create: 'write',
  listForOrg: 'read',
  get: 'read',
  remove: 'write',
  listByChannel: 'read',
  revision: 'read',
};
export const STATUS_ACCESS: Methods<StatusStore> = { put: 'write', get: 'read' };
export const AUDIT_ACCESS: Methods<AuditLog> = { append: 'write', list: 'read' };
export const EXERCISE_ACCESS: Methods<ExerciseStore> = {
  create: 'write',
  get: 'read',
  list: 'read',
  close: 'write',
};
export const RETENTION_ACCESS: Methods<RetentionStore> = {
  purgeAudit: 'write',
  purgeJobs: 'write',
  purgeDeliveries: 'write',
  purgeObjects: 'write',
};
export const FEED_ACCESS: Methods<FeedStore> = {
  create: 'write',
  get: 'read',
  list: 'read',
  setPaused: 'write',
  remove: 'write',
  recordPage: 'write',
  recordPull: 'write',
};
export const FEEDBACK_ACCESS: Methods<FeedbackStore> = {
  record: 'write',
  get: 'read',
  forObject: 'read',
  reportedOn: 'read',
  setConfidence: 'write',
  confidence: 'read',
};
export const APPROVAL_ACCESS: Methods<ApprovalStore> = {
  hold: 'write',
  get: 'read',
  list: 'read',
  decide: 'write',
  withdraw: 'write',
  forIndicator: 'read',
  markPushed: 'write',
};
export const REFRESH_TOKEN_ACCESS: Methods<RefreshTokenStore> = {
  create: 'write',
  get: 'read',
  rotate: 'write',
  revokeFamily: 'write',
  purge: 'write',
};

/**
 * `store` with every method `access` names 'write' run through `lane`. The methods stay
 * synchronous inside (better-sqlite3): the lane only decides when they start.
 */
export function inLane<T extends object>(store: T, access: Methods<T>, lane: WriteLane): T {
  const kinds = access as Readonly<Record<string | symbol, Access | undefined>>;
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function' || kinds[prop] !== 'write') return value;
      return (...args: unknown[]): Promise<unknown> =>
        lane.run(() => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args));
    },
  });
}

export const PARTNER_ACCESS: Methods<PartnerStore> = {
  create: 'write',
  get: 'read',
  list: 'read',
  setPaused: 'write',
  remove: 'write',
  pushState: 'read',
  recordBatch: 'write',
  recordFailure: 'write',
};
