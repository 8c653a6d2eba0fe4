import { Router } from 'express';
import { NotFoundError, type Clock, type Principal, type Signal } from '@isac/kernel';
import { defineRoute, type Gate } from '@isac/http';
import type { ApiRoutes } from '@isac/api';
import type { Job, Stores } from '@isac/store';
import { actorOf, type Access } from '@isac/auth';

const isRecord = (x: unknown): x is Readonly<Record<string, unknown>> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

/** A dead letter as admins see it: what, why, how often tried; never the rendered message. */
export function deadLetterView(j: Job): Record<string, unknown> {
  // Shows what is stored, valid or not (a payload that failed the catalogue is why some are here).
  const { raw: _raw, ...payload } = isRecord(j.payload) ? j.payload : {};
  return {
    id: j.id,
    kind: j.kind,
    key: j.key,
    attempts: j.attempts,
    reason: j.lastError,
    failedAt: j.updatedAt,
    createdAt: j.createdAt,
    payload,
  };
}

export class DeadLettersService {
  constructor(
    private readonly deps: { stores: Stores; clock: Clock; access: Access; jobsReady?: Signal | undefined },
  ) {}

  async list(p: Principal, limit: number): Promise<Record<string, unknown>[]> {
    this.deps.access.requireHubAdmin(p);
    return (await this.deps.stores.jobs.list({ status: 'dead', limit })).map(deadLetterView);
  }

  async retry(p: Principal, jobId: string): Promise<void> {
    this.deps.access.requireHubAdmin(p);
    const now = this.deps.clock.now();
    if (!(await this.deps.stores.jobs.revive(jobId, now)))
      throw new NotFoundError(`dead letter ${jobId} not found`);
    await this.deps.stores.audit.append([
      {
        at: now.toISOString(),
        actor: actorOf(p),
        action: 'dead_letter.retry',
        target: { kind: 'job', id: jobId },
        outcome: 'ok',
      },
    ]);
    this.deps.jobsReady?.notify();
  }

  /** Gives up on a dead letter: kept as dropped (never delivered), audited with what it was. */
  async drop(p: Principal, jobId: string): Promise<void> {
    this.deps.access.requireHubAdmin(p);
    const now = this.deps.clock.now();
    const job = await this.deps.stores.jobs.get(jobId);
    if (!job || job.status !== 'dead' || !(await this.deps.stores.jobs.drop(jobId, now)))
      throw new NotFoundError(`dead letter ${jobId} not found`);
    await this.deps.stores.audit.append([
      {
        at: now.toISOString(),
        actor: actorOf(p),
        action: 'dead_letter.drop',
        target: { kind: 'job', id: jobId },
        outcome: 'ok',
        details: { kind: job.kind, key: job.key, reason: job.lastError },
      },
    ]);
  }
}

export function createDeadLettersRouter(deps: {
  deadLetters: DeadLettersService;
  gate: Gate;
  routes: ApiRoutes;
}): Router {
  const r = Router();
  defineRoute(r, deps.gate, {
    route: deps.routes.listDeadLetters,
    handler: async ({ principal, query }) => {
      const n = Number(query['limit']);
      return {
        body: {
          deadLetters: await deps.deadLetters.list(
            principal,
            Number.isInteger(n) && n > 0 ? Math.min(n, 1000) : 100,
          ),
        },
      };
    },
  });
  defineRoute(r, deps.gate, {
    route: deps.routes.retryDeadLetter,
    handler: async ({ principal, params }) => {
      await deps.deadLetters.retry(principal, params['jobId'] ?? '');
      return { status: 202, body: { jobId: params['jobId'], status: 'pending' } };
    },
  });
  defineRoute(r, deps.gate, {
    route: deps.routes.dropDeadLetter,
    handler: async ({ principal, params }) => {
      await deps.deadLetters.drop(principal, params['jobId'] ?? '');
      return { status: 204 };
    },
  });
  return r;
}
