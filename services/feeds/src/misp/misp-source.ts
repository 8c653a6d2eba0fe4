import { MispEventError, mispEventToStix, type MispCounts } from '@isac/stix';
import {
  FeedSourceError,
  type FeedPage,
  type FeedSource,
  type FeedSourceFactory,
  type FeedSourceSpec,
} from '../source.js';
import { authHeaders } from '../taxii/taxii-source.js';
import { getText } from '../http-get.js';

export interface MispSourceOptions {
  /** Objects per page handed to the ingest pipeline: events are grouped until a page holds this many. */
  readonly pageLimit: number;
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
}

/** One event of the manifest, where the cursor orders it. */
interface ManifestEntry {
  readonly uuid: string;
  /** The event's `timestamp` (seconds): it changes whenever the event does. */
  readonly timestamp: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** `<timestamp>:<uuid>`: the last event taken; events after it in (timestamp, uuid) order remain. */
function parseCursor(cursor: string | undefined): ManifestEntry | undefined {
  if (cursor === undefined) return undefined;
  const m = /^([0-9]{1,12}):([0-9a-f-]{36})$/.exec(cursor);
  return m ? { timestamp: Number(m[1]), uuid: m[2]! } : undefined;
}

const after = (a: ManifestEntry, b: ManifestEntry): boolean =>
  a.timestamp > b.timestamp || (a.timestamp === b.timestamp && a.uuid > b.uuid);

/**
 * A MISP feed (ADR 0043): `GET {url}/manifest.json` (event uuid → `{timestamp, …}`), then, in
 * (timestamp, uuid) order after the cursor, `GET {url}/{uuid}.json` for each event, mapped to STIX
 * by `mispEventToStix` (docs/misp-mapping.md). Events are grouped into pages of about `pageLimit`
 * objects; a page's cursor is its last event's `<timestamp>:<uuid>`, so a changed event (a new
 * timestamp) is read again and its new versions stored, and a restart resumes after the last page
 * stored. A manifest or event that is not MISP JSON stops the pull with a precise status (the
 * event named), at that event, until the feed serves it right.
 */
export class MispFeedSource implements FeedSource {
  private readonly base: string;

  constructor(
    private readonly spec: FeedSourceSpec,
    private readonly opts: MispSourceOptions,
  ) {
    this.base = spec.url.endsWith('/') ? spec.url : `${spec.url}/`;
  }

  async *pages(cursor: string | undefined, signal: AbortSignal): AsyncGenerator<FeedPage> {
    const from = parseCursor(cursor);
    const todo = (await this.manifest(signal))
      .filter((e) => from === undefined || after(e, from))
      .sort((a, b) => a.timestamp - b.timestamp || (a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0));
    let objects: unknown[] = [];
    let events = 0;
    let counts = emptyCounts();
    let last: ManifestEntry | undefined;
    for (const entry of todo) {
      const mapped = await this.event(entry, signal);
      objects.push(...mapped.objects);
      counts = addCounts(counts, mapped.counts);
      events += 1;
      last = entry;
      if (objects.length >= this.opts.pageLimit) {
        yield { objects, cursor: `${entry.timestamp}:${entry.uuid}`, notes: { events, counts } };
        objects = [];
        events = 0;
        counts = emptyCounts();
      }
    }
    if (events > 0 && last)
      yield { objects, cursor: `${last.timestamp}:${last.uuid}`, notes: { events, counts } };
  }

  private async manifest(signal: AbortSignal): Promise<ManifestEntry[]> {
    const body = await this.json(new URL('manifest.json', this.base), signal);
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw malformed('manifest.json is not a JSON object of events by uuid');
    const out: ManifestEntry[] = [];
    for (const [uuid, meta] of Object.entries(body as Record<string, unknown>)) {
      const u = uuid.toLowerCase();
      if (!UUID.test(u))
        throw malformed(`manifest.json: ${JSON.stringify(uuid.slice(0, 60))} is not an event uuid`);
      const t =
        typeof meta === 'object' && meta !== null
          ? (meta as Record<string, unknown>)['timestamp']
          : undefined;
      const ts = typeof t === 'number' ? t : typeof t === 'string' && /^[0-9]{1,12}$/.test(t) ? Number(t) : 0;
      out.push({ uuid: u, timestamp: Number.isSafeInteger(ts) && ts > 0 ? ts : 0 });
    }
    return out;
  }

  private async event(entry: ManifestEntry, signal: AbortSignal) {
    const body = await this.json(new URL(`${entry.uuid}.json`, this.base), signal);
    try {
      return mispEventToStix(body);
    } catch (err) {
      if (err instanceof MispEventError) throw malformed(`event ${entry.uuid}: ${err.message}`);
      throw err;
    }
  }

  private async json(url: URL, signal: AbortSignal): Promise<unknown> {
    const { status, text } = await getText(url, {
      headers: { accept: 'application/json', ...authHeaders(this.spec.auth) },
      signal,
      timeoutMs: this.opts.timeoutMs,
      maxResponseBytes: this.opts.maxResponseBytes,
    });
    if (status < 200 || status > 299)
      throw new FeedSourceError(`${url.host} answered HTTP ${status} for ${url.pathname}`, {
        httpStatus: status,
        cause: 'http_status',
        retryable: ![401, 403].includes(status),
      });
    try {
      return JSON.parse(text);
    } catch {
      throw new FeedSourceError(`${url.pathname} is not JSON (HTTP ${status})`, {
        httpStatus: status,
        cause: 'malformed',
        retryable: true,
      });
    }
  }
}

function malformed(what: string): FeedSourceError {
  return new FeedSourceError(`malformed MISP feed: ${what}`, { cause: 'malformed', retryable: true });
}

function emptyCounts(): MispCounts {
  return { attributes: 0, mapped: 0, notToIds: 0, deleted: 0, invalid: 0, unmapped: {} };
}

function addCounts(a: MispCounts, b: MispCounts): MispCounts {
  const unmapped: Record<string, number> = { ...a.unmapped };
  for (const [k, v] of Object.entries(b.unmapped)) unmapped[k] = (unmapped[k] ?? 0) + v;
  return {
    attributes: a.attributes + b.attributes,
    mapped: a.mapped + b.mapped,
    notToIds: a.notToIds + b.notToIds,
    deleted: a.deleted + b.deleted,
    invalid: a.invalid + b.invalid,
    unmapped,
  };
}

export const mispSourceFactory =
  (opts: MispSourceOptions): FeedSourceFactory =>
  (spec) =>
    new MispFeedSource(spec, opts);
