import { TooManyRequestsError, type Clock } from '@isac/kernel';

export interface ThrottlePolicy {
  /** Failed attempts per (account, source address) before that pair waits (progressively longer). */
  readonly pairMaxFailures: number;
  /** Failed authentications from one source address, any account or credential, per window. */
  readonly sourceMaxFailures: number;
  /** The window of the source count, and the longest wait of a pair. */
  readonly windowMs: number;
  /**
   * Password checks in flight from one address: beyond, 429 at once, so one address cannot fill
   * the hashing queue that every other caller waits in (default 4).
   */
  readonly sourceMaxPending?: number | undefined;
}

interface PairState {
  /** Failed attempts, in-flight ones included until they settle. */
  failures: number;
  pending: number;
  blockedUntil: number;
  touched: number;
}
interface SourceState {
  failures: number;
  pending: number;
  windowStart: number;
}

/** One authentication attempt admitted by the throttle; settle it exactly once. */
export interface ThrottleTicket {
  succeeded(): void;
  failed(): void;
  /** Settled without a verdict on the credential (a refused organisation, a busy hub). */
  released(): void;
}

const MAX_ENTRIES = 50_000;
const FIRST_DELAY_MS = 1_000;

/**
 * In-memory throttle of authentication attempts (ADR 0015), per process: a pair (account, source
 * address) that failed `pairMaxFailures` times waits 1 s, then 2 s, 4 s … up to `windowMs` between
 * attempts; a source address that failed `sourceMaxFailures` times in a window is refused until
 * the window ends. In-flight attempts count as failures until they settle, so a burst of
 * concurrent guesses is bounded like a sequence. Refusals are 429 with a Retry-After.
 */
export class LoginThrottle {
  private readonly pairs = new Map<string, PairState>();
  private readonly sources = new Map<string, SourceState>();
  constructor(
    private readonly policy: ThrottlePolicy,
    private readonly clock: Clock,
  ) {}

  /** Throws TooManyRequestsError when the source address must wait (admits nothing). */
  checkSource(source: string | undefined): void {
    if (source === undefined) return;
    const now = this.clock.now().getTime();
    const src = this.sources.get(source);
    if (src && now - src.windowStart < this.policy.windowMs && src.failures >= this.policy.sourceMaxFailures)
      throw tooMany(
        'too many failed authentications from this address; try again later',
        src.windowStart + this.policy.windowMs - now,
      );
  }

  /** Throws TooManyRequestsError when the source or the pair must wait; else admits one attempt. */
  begin(account: string | undefined, source: string | undefined): ThrottleTicket {
    const now = this.clock.now().getTime();
    this.prune(now);
    const src = source === undefined ? undefined : this.sourceState(source, now);
    if (src && src.failures + src.pending >= this.policy.sourceMaxFailures)
      throw tooMany(
        'too many failed authentications from this address; try again later',
        src.pending > 0 && src.failures < this.policy.sourceMaxFailures
          ? FIRST_DELAY_MS
          : src.windowStart + this.policy.windowMs - now,
      );
    if (src && account !== undefined && src.pending >= (this.policy.sourceMaxPending ?? 4))
      throw tooMany('too many logins in progress from this address', FIRST_DELAY_MS);
    const key = account === undefined ? undefined : `${account.toLowerCase()}\u0000${source ?? ''}`;
    let pair: PairState | undefined;
    if (key !== undefined) {
      pair = this.pairs.get(key) ?? { failures: 0, pending: 0, blockedUntil: 0, touched: now };
      if (pair.blockedUntil > now)
        throw tooMany('too many failed logins for this account from this address', pair.blockedUntil - now);
      if (pair.pending > 0 && pair.failures >= this.policy.pairMaxFailures)
        throw tooMany('too many failed logins for this account from this address', FIRST_DELAY_MS);
      pair.failures += 1;
      pair.pending += 1;
      pair.touched = now;
      this.pairs.set(key, pair);
    }
    if (src) src.pending += 1;
    let settled = false;
    const settle = (outcome: 'ok' | 'fail' | 'none'): void => {
      if (settled) return;
      settled = true;
      const at = this.clock.now().getTime();
      if (src) {
        src.pending -= 1;
        if (outcome === 'fail') src.failures += 1;
      }
      if (pair && key !== undefined) {
        pair.pending -= 1;
        pair.touched = at;
        if (outcome === 'ok') this.pairs.delete(key);
        else if (outcome === 'none') pair.failures -= 1;
        else if (pair.failures >= this.policy.pairMaxFailures) {
          const delay = FIRST_DELAY_MS * 2 ** Math.min(30, pair.failures - this.policy.pairMaxFailures);
          pair.blockedUntil = at + Math.min(this.policy.windowMs, delay);
        }
      }
    };
    return {
      succeeded: () => settle('ok'),
      failed: () => settle('fail'),
      released: () => settle('none'),
    };
  }

  /** An administrator unlocked the account: its pairs start afresh. */
  forgetAccount(account: string): void {
    const prefix = `${account.toLowerCase()}\u0000`;
    for (const k of this.pairs.keys()) if (k.startsWith(prefix)) this.pairs.delete(k);
  }

  private sourceState(source: string, now: number): SourceState {
    let s = this.sources.get(source);
    if (!s || (now - s.windowStart >= this.policy.windowMs && s.pending === 0)) {
      s = { failures: 0, pending: s?.pending ?? 0, windowStart: now };
      this.sources.set(source, s);
    }
    return s;
  }

  /** Bounded memory: idle entries go once the maps are large. */
  private prune(now: number): void {
    if (this.pairs.size > MAX_ENTRIES)
      for (const [k, p] of this.pairs)
        if (p.pending === 0 && p.blockedUntil <= now && now - p.touched >= this.policy.windowMs)
          this.pairs.delete(k);
    if (this.sources.size > MAX_ENTRIES)
      for (const [k, s] of this.sources)
        if (s.pending === 0 && now - s.windowStart >= this.policy.windowMs) this.sources.delete(k);
  }
}

function tooMany(message: string, waitMs: number): TooManyRequestsError {
  return new TooManyRequestsError(message, Math.max(1, Math.ceil(waitMs / 1000)));
}
