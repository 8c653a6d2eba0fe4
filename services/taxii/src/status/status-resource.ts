import type { StatusDetail, SubmissionStatus } from '@isac/store';
import { taxiiTimestamp } from '../shared/taxii-http.js';

/** The TAXII 2.1 status resource, as both TAXII and the REST submission endpoints answer it. */
export interface StatusResource {
  readonly id: string;
  readonly status: 'pending' | 'complete';
  readonly request_timestamp: string;
  readonly total_count: number;
  readonly success_count: number;
  readonly failure_count: number;
  readonly pending_count: number;
  readonly successes?: readonly StatusDetail[];
  readonly failures?: readonly StatusDetail[];
  readonly pendings?: readonly StatusDetail[];
}

export function toStatusResource(s: SubmissionStatus): StatusResource {
  return {
    id: s.id,
    status: s.status,
    request_timestamp: taxiiTimestamp(s.requestTimestamp),
    total_count: s.totalCount,
    success_count: s.successes.length,
    failure_count: s.failures.length,
    pending_count: s.pendings.length,
    ...(s.successes.length > 0 ? { successes: s.successes } : {}),
    ...(s.failures.length > 0 ? { failures: s.failures } : {}),
    ...(s.pendings.length > 0 ? { pendings: s.pendings } : {}),
  };
}
