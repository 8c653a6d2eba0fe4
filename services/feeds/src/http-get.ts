import { FeedSourceError } from './source.js';

/**
 * One GET of a feed's document: the status and the body as text, within `timeoutMs` (headers and
 * body) and `maxResponseBytes` (refused without reading further: `too_large`), redirects refused.
 * Network failures and timeouts are FeedSourceErrors (`network`, `timeout`); the caller judges the
 * status.
 */
export async function getText(
  url: URL,
  opts: {
    readonly headers: Readonly<Record<string, string>>;
    readonly signal: AbortSignal;
    readonly timeoutMs: number;
    readonly maxResponseBytes: number;
  },
): Promise<{ status: number; text: string }> {
  const timeout = AbortSignal.timeout(opts.timeoutMs);
  try {
    const res = await fetch(url, {
      headers: { ...opts.headers },
      signal: AbortSignal.any([opts.signal, timeout]),
      redirect: 'error',
    });
    const max = opts.maxResponseBytes;
    const tooLarge = (): FeedSourceError =>
      new FeedSourceError(`${url.pathname} is larger than ${max} octets (feeds.maxResponseBytes)`, {
        httpStatus: res.status,
        cause: 'too_large',
        retryable: false,
      });
    if (Number(res.headers.get('content-length') ?? NaN) > max) {
      await res.body?.cancel();
      throw tooLarge();
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    if (res.body)
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        size += chunk.byteLength;
        if (size > max) throw tooLarge();
        chunks.push(chunk);
      }
    return { status: res.status, text: Buffer.concat(chunks).toString('utf8') };
  } catch (err) {
    if (err instanceof FeedSourceError) throw err;
    if (timeout.aborted)
      throw new FeedSourceError(`no answer within ${opts.timeoutMs} ms from ${url.host}`, {
        cause: 'timeout',
        retryable: true,
      });
    if (opts.signal.aborted) throw err;
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    throw new FeedSourceError(`${url.host} could not be reached: ${cause}`, {
      cause: 'network',
      retryable: true,
    });
  }
}
