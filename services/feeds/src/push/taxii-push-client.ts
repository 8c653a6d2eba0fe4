import { TAXII_MEDIA_TYPE } from '@isac/http';
import type { FeedAuth } from '../source.js';

/** How the hub authenticates to a partner: the same kinds as a feed's credential. */
export type PartnerAuth = FeedAuth;

/** Where a push goes: a collection of a partner's TAXII 2.1 API root. */
export interface PushTarget {
  /** The API root, ending in `/`. */
  readonly taxiiUrl: string;
  readonly collection: string;
  readonly auth: PartnerAuth;
}

/** One entry of a status resource's successes, failures or pendings. */
export interface StatusDetail {
  readonly id: string;
  readonly version: string;
  readonly message?: string | undefined;
}

/** A TAXII 2.1 status resource, as far as the pusher reads it. */
export interface TaxiiStatus {
  readonly id: string;
  readonly status: 'complete' | 'pending';
  readonly total_count: number;
  readonly success_count: number;
  readonly failure_count: number;
  readonly pending_count: number;
  readonly successes: readonly StatusDetail[];
  readonly failures: readonly StatusDetail[];
  readonly pendings: readonly StatusDetail[];
}

/**
 * A failed exchange with a partner: what its push status shows. `cause` is short and stable
 * (`http_status`, `timeout`, `network`, `malformed`); `httpStatus` when the partner answered.
 * `refused`: the partner answered 422 to the whole envelope (every object refused), so the batch
 * is done, not retried.
 */
export class PushError extends Error {
  constructor(
    message: string,
    readonly detail: {
      readonly cause: 'http_status' | 'timeout' | 'network' | 'malformed';
      readonly httpStatus?: number | undefined;
      readonly refused?: boolean | undefined;
    },
  ) {
    super(message);
    this.name = 'PushError';
  }
}

export interface PushClientOptions {
  /** One request (headers and body) longer than this fails as a timeout. */
  readonly requestTimeoutMs: number;
  /** Largest response body read from a partner, in octets. */
  readonly maxResponseBytes: number;
  /** Sent as `User-Agent`. */
  readonly userAgent: string;
}

function authHeader(auth: PartnerAuth): Record<string, string> {
  switch (auth.type) {
    case 'none':
      return {};
    case 'basic':
      return {
        authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}`,
      };
    case 'bearer':
      return { authorization: `Bearer ${auth.token}` };
    case 'header':
      return { [auth.name]: auth.value };
  }
}

const url = (t: PushTarget, rest: string): string =>
  new URL(rest, t.taxiiUrl.endsWith('/') ? t.taxiiUrl : `${t.taxiiUrl}/`).toString();

/**
 * The outbound half of a TAXII 2.1 client (ADR 0042): adds objects to a partner's collection in
 * envelopes and reads the status resources it answers. HTTP only; what to send, when, and what a
 * failure means for the cursor are the pusher's.
 */
export class TaxiiPushClient {
  constructor(private readonly opts: PushClientOptions) {}

  /** POST `{api-root}/collections/{id}/objects/`: the 202 status resource. */
  async addObjects(t: PushTarget, objects: readonly unknown[], signal?: AbortSignal): Promise<TaxiiStatus> {
    const body = JSON.stringify({ objects });
    const path = `collections/${encodeURIComponent(t.collection)}/objects/`;
    const res = await this.#request(t, 'POST', path, body, signal);
    return res;
  }

  /** GET `{api-root}/status/{id}/`. */
  status(t: PushTarget, id: string, signal?: AbortSignal): Promise<TaxiiStatus> {
    return this.#request(t, 'GET', `status/${encodeURIComponent(id)}/`, undefined, signal);
  }

  async #request(
    t: PushTarget,
    method: 'GET' | 'POST',
    path: string,
    body: string | undefined,
    outer?: AbortSignal,
  ): Promise<TaxiiStatus> {
    const timeout = AbortSignal.timeout(this.opts.requestTimeoutMs);
    const signal = outer ? AbortSignal.any([outer, timeout]) : timeout;
    const where = `${method} ${url(t, path)}`;
    let res: Response;
    let text: string;
    try {
      res = await fetch(url(t, path), {
        method,
        headers: {
          accept: TAXII_MEDIA_TYPE,
          'user-agent': this.opts.userAgent,
          ...(body === undefined ? {} : { 'content-type': TAXII_MEDIA_TYPE }),
          ...authHeader(t.auth),
        },
        ...(body === undefined ? {} : { body }),
        signal,
        redirect: 'error',
      });
      text = await readCapped(res, this.opts.maxResponseBytes);
    } catch (err) {
      if (timeout.aborted)
        throw new PushError(`${where}: no complete answer within ${this.opts.requestTimeoutMs} ms`, {
          cause: 'timeout',
        });
      if (err instanceof PushError) throw err;
      throw new PushError(
        `${where}: ${(err as Error).cause ? String((err as Error).cause) : (err as Error).message}`,
        {
          cause: 'network',
        },
      );
    }
    if (res.status === 422 && method === 'POST') {
      const st = tryStatus(text);
      if (st) return st;
      throw new PushError(`${where}: HTTP 422 ${errorTitle(text)}`, {
        cause: 'http_status',
        httpStatus: 422,
        refused: true,
      });
    }
    if (res.status !== (method === 'POST' ? 202 : 200))
      throw new PushError(`${where}: HTTP ${res.status} ${errorTitle(text)}`.trim(), {
        cause: 'http_status',
        httpStatus: res.status,
      });
    const st = tryStatus(text);
    if (!st)
      throw new PushError(`${where}: the answer is not a TAXII 2.1 status resource`, { cause: 'malformed' });
    return st;
  }
}

async function readCapped(res: Response, max: number): Promise<string> {
  const len = Number(res.headers.get('content-length') ?? '0');
  if (len > max) {
    await res.body?.cancel();
    throw new PushError(`the answer is larger than ${max} octets`, {
      cause: 'malformed',
      httpStatus: res.status,
    });
  }
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    total += chunk.byteLength;
    if (total > max)
      throw new PushError(`the answer is larger than ${max} octets`, {
        cause: 'malformed',
        httpStatus: res.status,
      });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The title of a TAXII error resource, for the push status (bounded, one line). */
function errorTitle(text: string): string {
  try {
    const e = JSON.parse(text) as { title?: unknown; description?: unknown };
    const parts = [e.title, e.description].filter((x): x is string => typeof x === 'string');
    return oneLine(parts.join(': '));
  } catch {
    return '';
  }
}

const oneLine = (s: string): string => s.replace(/\s+/g, ' ').slice(0, 300);

const count = (v: unknown): number => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : -1);

function details(v: unknown): StatusDetail[] | undefined {
  if (v === undefined) return [];
  if (!Array.isArray(v)) return undefined;
  const out: StatusDetail[] = [];
  for (const d of v as unknown[]) {
    if (typeof d !== 'object' || d === null) return undefined;
    const { id, version, message } = d as Record<string, unknown>;
    if (typeof id !== 'string') return undefined;
    out.push({
      id,
      version: typeof version === 'string' ? version : '',
      ...(typeof message === 'string' ? { message: oneLine(message) } : {}),
    });
  }
  return out;
}

/** A status resource from a body, or undefined when it is not one. */
function tryStatus(text: string): TaxiiStatus | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const r = v as Record<string, unknown>;
  const successes = details(r['successes']);
  const failures = details(r['failures']);
  const pendings = details(r['pendings']);
  const counts = [r['total_count'], r['success_count'], r['failure_count'], r['pending_count']].map(count);
  if (
    typeof r['id'] !== 'string' ||
    (r['status'] !== 'complete' && r['status'] !== 'pending') ||
    counts.some((c) => c < 0) ||
    !successes ||
    !failures ||
    !pendings
  )
    return undefined;
  return {
    id: r['id'],
    status: r['status'],
    total_count: counts[0]!,
    success_count: counts[1]!,
    failure_count: counts[2]!,
    pending_count: counts[3]!,
    successes,
    failures,
    pendings,
  };
}
