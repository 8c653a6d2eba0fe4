import type { ErrorRequestHandler } from 'express';
import { AppError, TooManyRequestsError, type ErrorCode, type ErrorDetail, type Logger } from '@isac/kernel';

export const STATUS: Readonly<Record<ErrorCode, number>> = {
  validation_failed: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  not_acceptable: 406,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  invalid_stix: 422,
  too_many_requests: 429,
  transient: 503,
};

export const TAXII_MEDIA_TYPE = 'application/taxii+json;version=2.1';

/** Express/body-parser errors that carry a status, turned into our codes. */
function fromHttpError(err: unknown): { code: ErrorCode; message: string } | undefined {
  const e = err as { status?: number; type?: string; message?: string };
  if (e.type === 'entity.too.large' || e.status === 413)
    return { code: 'payload_too_large', message: 'the request body is larger than this endpoint accepts' };
  if (e.type === 'entity.parse.failed')
    return { code: 'validation_failed', message: `malformed JSON: ${e.message ?? ''}` };
  if (e.type === 'encoding.unsupported' || e.status === 415)
    return { code: 'unsupported_media_type', message: e.message ?? 'unsupported media type' };
  return undefined;
}

/**
 * The one error handler: AppErrors keep their code and details; anything unknown becomes a bare
 * 500 whose errorId is also in the log line. TAXII routes answer with the TAXII error resource.
 */
export function errorHandler(opts: { log: Logger; style: 'rest' | 'taxii' }): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    let code: ErrorCode | undefined;
    let message: string;
    let details: readonly ErrorDetail[] = [];
    let errorId: string;
    if (err instanceof AppError) {
      ({ code, message, details, errorId } = err);
    } else {
      const mapped = fromHttpError(err);
      errorId = crypto.randomUUID();
      if (mapped) ({ code, message } = mapped);
      else {
        message = 'internal error';
        opts.log.error({ err, errorId, method: req.method, path: req.path }, 'unhandled error');
      }
    }
    const status = code ? STATUS[code] : 500;
    if (status === 401) res.setHeader('WWW-Authenticate', 'Basic realm="isac", Bearer');
    if (err instanceof TooManyRequestsError) res.setHeader('Retry-After', String(err.retryAfterSeconds));
    if (opts.style === 'taxii') {
      res
        .status(status)
        .type(TAXII_MEDIA_TYPE)
        .send(
          JSON.stringify({
            title: code ?? 'internal_error',
            description: message,
            error_id: errorId,
            error_code: code ?? 'internal_error',
            http_status: String(status),
            ...(details.length > 0 ? { details: { problems: details } } : {}),
          }),
        );
    } else {
      res.status(status).json({ error: { code: code ?? 'internal_error', message, errorId, details } });
    }
  };
}
