/** One problem with an input, located by a JSON pointer (RFC 6901) or a dotted field name. */
export interface ErrorDetail {
  readonly path: string;
  readonly message: string;
  readonly rule?: string;
  /** The values the field may take, when it is one of a fixed list (`null`: the field may be cleared). */
  readonly allowedValues?: readonly (string | null)[];
}

export type ErrorCode =
  | 'validation_failed'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'not_acceptable'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'invalid_stix'
  | 'too_many_requests'
  | 'transient';

/** Every error the domain throws on purpose. The HTTP layer maps `code` to a status. */
export abstract class AppError extends Error {
  abstract readonly code: ErrorCode;
  readonly errorId: string = globalThis.crypto.randomUUID();
  constructor(
    message: string,
    readonly details: readonly ErrorDetail[] = [],
    opts?: ErrorOptions,
  ) {
    super(message, opts);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  readonly code = 'validation_failed';
}
export class UnauthenticatedError extends AppError {
  readonly code = 'unauthenticated';
}
export class ForbiddenError extends AppError {
  readonly code = 'forbidden';
}
export class NotFoundError extends AppError {
  readonly code = 'not_found';
}
export class NotAcceptableError extends AppError {
  readonly code = 'not_acceptable';
}
export class ConflictError extends AppError {
  readonly code = 'conflict';
}
export class PayloadTooLargeError extends AppError {
  readonly code = 'payload_too_large';
}
export class UnsupportedMediaTypeError extends AppError {
  readonly code = 'unsupported_media_type';
}
export class InvalidStixError extends AppError {
  readonly code = 'invalid_stix';
}
/** Slow down: the HTTP layer answers 429 with `Retry-After: retryAfterSeconds`. */
export class TooManyRequestsError extends AppError {
  readonly code = 'too_many_requests';
  constructor(
    message: string,
    readonly retryAfterSeconds: number = 1,
    details: readonly ErrorDetail[] = [],
    opts?: ErrorOptions,
  ) {
    super(message, details, opts);
  }
}
/** Worth a retry: a relay, broker or store that is down for now. */
export class TransientError extends AppError {
  readonly code = 'transient';
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}

/**
 * This process cannot start as configured or with the files it found (a bad setting, a short
 * secret, a corrupt state file, a data directory another process holds). The process shell prints
 * `message` (English, naming the file or setting and what to do) and `ja` as two lines, no stack.
 */
export class StartupError extends Error {
  constructor(
    message: string,
    readonly ja: string,
    opts?: ErrorOptions,
  ) {
    super(message, opts);
    this.name = 'StartupError';
  }
}
