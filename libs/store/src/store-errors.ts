import { AppError, TransientError } from '@isac/kernel';

/**
 * Wraps every method of a store so that whatever it throws or rejects with reaches the caller as
 * an `AppError`: domain errors pass through, driver errors go through `map` (which keeps the
 * original as `cause` for the log). Synchronous throws become rejections, as a Promise API should.
 */
export function guardStore<T extends object>(store: T, map: (err: unknown) => AppError): T {
  const wrap = (err: unknown): AppError => (err instanceof AppError ? err : map(err));
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function' || prop === 'constructor') return value;
      return (...args: unknown[]): unknown => {
        try {
          const out: unknown = (value as (...a: unknown[]) => unknown).apply(target, args);
          return out instanceof Promise ? out.catch((err: unknown) => Promise.reject(wrap(err))) : out;
        } catch (err) {
          return Promise.reject(wrap(err));
        }
      };
    },
  });
}

/** The last resort for a driver error that no adapter turned into an outcome: worth a retry. */
export function storeUnavailable(err: unknown): TransientError {
  return new TransientError('the store is unavailable, try again', [], { cause: err });
}
