import {
  FeedSourceError,
  type FeedAuth,
  type FeedPage,
  type FeedSource,
  type FeedSourceFactory,
  type FeedSourceSpec,
} from '../source.js';

const TAXII_MEDIA = 'application/taxii+json;version=2.1';
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

export interface TaxiiSourceOptions {
  /** Objects asked for per page (`limit`). */
  readonly pageLimit: number;
  /** One request, headers and body. */
  readonly timeoutMs: number;
  /** A larger body is refused (`too_large`). */
  readonly maxResponseBytes: number;
}

/** The `Authorization` (or named) header of a credential. */
export function authHeaders(auth: FeedAuth): Record<string, string> {
  switch (auth.type) {
    case 'none':
      return {};
    case 'basic':
      return {
        authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`,
      };
    case 'bearer':
      return { authorization: `Bearer ${auth.token}` };
    case 'header':
      return { [auth.name]: auth.value };
  }
}

/**
 * The TAXII 2.1 client of one collection (ADR 0041): `GET {apiRoot}collections/{id}/objects/`
 * with `added_after` = the cursor, paging with `next` while `more`; each page's cursor is its
 * `X-TAXII-Date-Added-Last` header (TAXII 2.1 §3.4.1: `added_after` then resumes after it, and a
 * server that pages by date alone, without `next`, is followed the same way). A page without the
 * header leaves the cursor where it was: the next pull reads it again, and the ingest pipeline
 * answers its objects as duplicates.
 */
export class TaxiiFeedSource implements FeedSource {
  private readonly objectsUrl: URL;

  constructor(
    private readonly spec: FeedSourceSpec,
    private readonly opts: TaxiiSourceOptions,
  ) {
    const root = spec.url.endsWith('/') ? spec.url : `${spec.url}/`;
    this.objectsUrl = new URL(`collections/${encodeURIComponent(spec.collection ?? '')}/objects/`, root);
  }

  async *pages(cursor: string | undefined, signal: AbortSignal): AsyncGenerator<FeedPage> {
    let addedAfter = cursor;
    let next: string | undefined;
    for (;;) {
      const url = new URL(this.objectsUrl);
      url.searchParams.set('limit', String(this.opts.pageLimit));
      if (addedAfter !== undefined) url.searchParams.set('added_after', addedAfter);
      if (next !== undefined) url.searchParams.set('next', next);
      const { envelope, last } = await this.get(url, signal);
      yield { objects: envelope.objects, cursor: last };
      if (!envelope.more) return;
      if (envelope.next !== undefined) next = envelope.next;
      else if (last !== undefined && last !== addedAfter) {
        addedAfter = last;
        next = undefined;
      } else
        throw new FeedSourceError('the server said more but gave neither next nor X-TAXII-Date-Added-Last', {
          cause: 'malformed',
          retryable: true,
        });
    }
  }

  private async get(
    url: URL,
    signal: AbortSignal,
  ): Promise<{
    envelope: { objects: unknown[]; more: boolean; next?: string | undefined };
    last: string | undefined;
  }> {
    const timeout = AbortSignal.timeout(this.opts.timeoutMs);
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, {
        headers: { accept: TAXII_MEDIA, ...authHeaders(this.spec.auth) },
        signal: AbortSignal.any([signal, timeout]),
        redirect: 'error',
      });
      text = await this.body(res);
    } catch (err) {
      if (err instanceof FeedSourceError) throw err;
      if (timeout.aborted)
        throw new FeedSourceError(`no answer within ${this.opts.timeoutMs} ms from ${url.host}`, {
          cause: 'timeout',
          retryable: true,
        });
      if (signal.aborted) throw err;
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
      throw new FeedSourceError(`${url.host} could not be reached: ${cause}`, {
        cause: 'network',
        retryable: true,
      });
    }
    if (!res.ok)
      throw new FeedSourceError(`${url.host} answered HTTP ${res.status}${statusDetail(text)}`, {
        httpStatus: res.status,
        cause: 'http_status',
        // the credential or the collection is wrong: retrying will not help until the feed changes
        retryable: ![401, 403, 404].includes(res.status),
      });
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new FeedSourceError(`${url.host} answered a body that is not JSON (HTTP ${res.status})`, {
        httpStatus: res.status,
        cause: 'malformed',
        retryable: true,
      });
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw malformed(res.status, 'the envelope is not a JSON object');
    const e = body as Record<string, unknown>;
    if (e['objects'] !== undefined && !Array.isArray(e['objects']))
      throw malformed(res.status, 'objects is not a list');
    if (e['more'] !== undefined && typeof e['more'] !== 'boolean')
      throw malformed(res.status, 'more is not a boolean');
    if (e['next'] !== undefined && typeof e['next'] !== 'string')
      throw malformed(res.status, 'next is not a string');
    const header = res.headers.get('x-taxii-date-added-last') ?? undefined;
    return {
      envelope: {
        objects: (e['objects'] as unknown[] | undefined) ?? [],
        more: e['more'] === true,
        next: e['next'],
      },
      last: header !== undefined && RFC3339.test(header) ? header : undefined,
    };
  }

  /** The body as text, refused past `maxResponseBytes` without reading further. */
  private async body(res: Response): Promise<string> {
    const max = this.opts.maxResponseBytes;
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (declared > max) {
      await res.body?.cancel();
      throw tooLarge(res.status, max);
    }
    if (!res.body) return '';
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      size += chunk.byteLength;
      if (size > max) throw tooLarge(res.status, max);
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
  }
}

function malformed(status: number, what: string): FeedSourceError {
  return new FeedSourceError(`malformed TAXII envelope: ${what}`, {
    httpStatus: status,
    cause: 'malformed',
    retryable: true,
  });
}

function tooLarge(status: number, max: number): FeedSourceError {
  return new FeedSourceError(`the page is larger than ${max} octets (feeds.maxResponseBytes)`, {
    httpStatus: status,
    cause: 'too_large',
    retryable: false,
  });
}

/** The TAXII error resource's title, when the body is one (never more than 200 characters). */
function statusDetail(text: string): string {
  try {
    const e = JSON.parse(text) as { title?: unknown };
    if (typeof e.title === 'string')
      return `: ${[...e.title]
        .map((c) => (c < ' ' ? ' ' : c))
        .join('')
        .slice(0, 200)}`;
  } catch {
    // not a TAXII error resource
  }
  return '';
}

export const taxiiSourceFactory =
  (opts: TaxiiSourceOptions): FeedSourceFactory =>
  (spec) =>
    new TaxiiFeedSource(spec, opts);
