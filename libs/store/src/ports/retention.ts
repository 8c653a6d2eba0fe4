/**
 * Retention (issue 20 point 4, ADR 0034): what is old enough goes, in bounded steps (each call one
 * transaction of at most `limit` items, so writers are never held up for long), and nothing an
 * open job (pending, running, or a dead letter that may be retried) still needs goes with it.
 */
export interface RetentionStore {
  /** Audit entries recorded before `before`, oldest first. Returns how many were deleted. */
  purgeAudit(before: Date, limit: number): Promise<number>;
  /**
   * Finished jobs: `done` ones, or dead letters (`dead` and `dropped`), last due before `before`.
   * A send job's stored message goes once no job names it.
   */
  purgeJobs(status: 'done' | 'dead', before: Date, limit: number): Promise<number>;
  /**
   * Delivery records created before `before` (delivery batches with their fan-outs, mails and
   * acknowledgements; per-version fan-outs and deliveries), except those with a recipient or mail
   * still pending and those an open job names. Returns how many records (batches, fan-outs,
   * deliveries) were deleted.
   */
  purgeDeliveries(before: Date, limit: number): Promise<number>;
  /**
   * Objects (every version in a collection) whose latest version was revoked and added before
   * `before`, or whose `valid_until` is before `before`, except those an open job or a delivery
   * still pending names. One call looks at one stretch of the store, from `after` (a cursor from
   * the previous call; absent: the start) and deletes at most `limit` objects; `next` is absent
   * once the whole store was looked at.
   */
  purgeObjects(
    before: Date,
    limit: number,
    after?: string,
  ): Promise<{ readonly removed: number; readonly next: string | undefined }>;
}
