import type { OrgId } from '@isac/kernel';

/** TAXII 2.1 status resource, owned by the submitting organisation. */
export interface StatusDetail {
  readonly id: string;
  readonly version: string;
  readonly message?: string | undefined;
}

export interface SubmissionStatus {
  readonly id: string;
  readonly orgId: OrgId;
  readonly status: 'pending' | 'complete';
  readonly requestTimestamp: string;
  readonly totalCount: number;
  readonly successes: readonly StatusDetail[];
  readonly failures: readonly StatusDetail[];
  readonly pendings: readonly StatusDetail[];
}

export interface StatusStore {
  put(status: SubmissionStatus): Promise<void>;
  get(orgId: OrgId, id: string): Promise<SubmissionStatus | undefined>;
}
