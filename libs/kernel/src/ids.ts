/** Randomness is a port, so tests can make it repeatable. */
export interface IdGenerator {
  uuid(): string;
  /** URL-safe random token of `bytes` bytes of entropy. */
  token(bytes?: number): string;
}

/** Web Crypto (global in Node 20 and in browsers), so the kernel also loads in the console's bundle. */
export const randomIds: IdGenerator = {
  uuid: () => globalThis.crypto.randomUUID(),
  token: (bytes = 32) =>
    Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(bytes))).toString('base64url'),
};

/** Deterministic ids for tests: uuid-shaped, counting up. */
export class SequentialIds implements IdGenerator {
  private n = 0;
  uuid(): string {
    this.n += 1;
    return `00000000-0000-4000-8000-${this.n.toString(16).padStart(12, '0')}`;
  }
  token(bytes = 32): string {
    this.n += 1;
    return Buffer.from(`tok-${this.n}`.padEnd(bytes, '.')).toString('base64url');
  }
}
