import { NotFoundError, type Principal } from '@isac/kernel';
import type { StatusStore, SubmissionStatus } from '@isac/store';

/** Status resources: each belongs to the submitting organisation; another's is not found. */
export class StatusService {
  constructor(private readonly deps: { statuses: StatusStore }) {}

  async get(principal: Principal, id: string): Promise<SubmissionStatus> {
    const s = await this.deps.statuses.get(principal.orgId, id);
    if (!s) throw new NotFoundError(`no status ${id}`);
    return s;
  }
}
