import { randomBytes, randomUUID } from 'node:crypto';

/** Randomness is a port, so tests can make it repeatable. */
export interface IdGenerator {
  uuid(): string;
  /** URL-safe random token of `bytes` bytes of entropy. */
  token(bytes?: number): string;
}

export const randomIds: IdGenerator = {
  uuid: () => randomUUID(),
  token: (bytes = 32) => randomBytes(bytes).toString('base64url'),
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
