import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { TooManyRequestsError } from '@isac/kernel';

/**
 * scrypt's callback API runs on libuv's threadpool (4 threads unless UV_THREADPOOL_SIZE says
 * otherwise), which file I/O and DNS share: unbounded, 60 concurrent logins queue every file write
 * (the MQTT broker's included) behind seconds of hashing. So at most `concurrency` hashes run at
 * once, at most `maxQueued` wait, and beyond that the caller is told to retry (429, ADR 0015).
 */
export interface HashingLimits {
  readonly concurrency: number;
  readonly maxQueued: number;
}

const poolSize = Number(process.env['UV_THREADPOOL_SIZE'] ?? 4) || 4;
let limits: HashingLimits = { concurrency: Math.max(1, Math.floor(poolSize / 2)), maxQueued: 32 };
let running = 0;
const waiting: (() => void)[] = [];

export function setHashingLimits(next: HashingLimits): void {
  limits = next;
}

export function hashingLimits(): HashingLimits & { running: number; queued: number } {
  return { ...limits, running, queued: waiting.length };
}

/**
 * Runs `fn` holding one hashing slot (429 when the queue is full, before `fn` starts): a caller
 * that must not record anything for an attempt the hub is too busy to check takes the slot first
 * and hashes inside it with `{ inSlot: true }`.
 */
export async function withHashingSlot<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= limits.concurrency) {
    if (waiting.length >= limits.maxQueued)
      throw new TooManyRequestsError('the hub is busy checking passwords; try again shortly', 1);
    await new Promise<void>((resolve) => waiting.push(resolve));
  } else running += 1;
  try {
    return await fn();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running -= 1;
  }
}

const rawScrypt = (pw: string, salt: Buffer, len: number, opts: ScryptOptions): Promise<Buffer> =>
  new Promise((resolve, reject) =>
    scryptCb(pw, salt, len, opts, (err, key) => (err ? reject(err) : resolve(key))),
  );

export interface HashOptions {
  /** The caller already holds a slot (withHashingSlot). */
  readonly inSlot?: boolean | undefined;
}

const scryptIn =
  (o: HashOptions) =>
  (pw: string, salt: Buffer, len: number, opts: ScryptOptions): Promise<Buffer> =>
    o.inSlot ? rawScrypt(pw, salt, len, opts) : withHashingSlot(() => rawScrypt(pw, salt, len, opts));

const N = 16384;
const R = 8;
const P = 1;
const LEN = 32;

/** `scrypt$N$r$p$salt$hash` (base64url), self-describing so parameters can be raised later. */
export async function hashPassword(password: string, o: HashOptions = {}): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptIn(o)(password.normalize('NFC'), salt, LEN, {
    N,
    r: R,
    p: P,
    maxmem: 64 * 1024 * 1024,
  });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifyPassword(
  password: string,
  stored: string,
  o: HashOptions = {},
): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [n, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  const salt = Buffer.from(parts[4] ?? '', 'base64url');
  const expected = Buffer.from(parts[5] ?? '', 'base64url');
  const key = await scryptIn(o)(password.normalize('NFC'), salt, expected.length, {
    N: n,
    r,
    p,
    maxmem: 64 * 1024 * 1024,
  });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** Random password for the first administrator, when none is configured. */
export function randomPassword(): string {
  return randomBytes(18).toString('base64url');
}
