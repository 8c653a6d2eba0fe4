import { createHmac, randomBytes } from 'node:crypto';
import type { Clock, OrgId } from '@isac/kernel';
import type { User } from '@isac/store';

interface Entry {
  readonly orgId: OrgId;
  readonly userId: string;
  readonly username: string;
  readonly passwordHash: string;
  readonly revision: number;
  readonly expiresAt: number;
}

/**
 * Username/password pairs verified recently (ADR 0015), so that a TAXII client paging with HTTP
 * Basic does not pay a full scrypt per page. Entries are keyed by an HMAC of the credential under
 * a random per-process key (the map never holds a password or a hash that could be attacked
 * offline), live `ttlMs`, and hold the account's `revision` and password hash at verification:
 * a hit is trusted only if the stored user still has both and is enabled, so a password change,
 * disabling, token revocation or role change (all bump the revision, in any process) drops it.
 */
export class VerifiedCredentialCache {
  private readonly key = randomBytes(32);
  private readonly entries = new Map<string, Entry>();
  constructor(
    private readonly opts: { readonly ttlMs: number; readonly maxEntries: number; readonly clock: Clock },
  ) {}

  keyOf(username: string, password: string): string {
    return createHmac('sha256', this.key)
      .update(username)
      .update('\u0000')
      .update(password.normalize('NFC'))
      .digest('base64url');
  }

  /** The entry when fresh; its user must still be checked with `stillValid`. */
  get(k: string): Entry | undefined {
    const e = this.entries.get(k);
    if (e && e.expiresAt <= this.opts.clock.now().getTime()) {
      this.entries.delete(k);
      return undefined;
    }
    return e;
  }

  stillValid(e: Entry, username: string, user: User | undefined): user is User {
    return (
      user !== undefined &&
      !user.disabled &&
      user.username === username &&
      user.passwordHash === e.passwordHash &&
      (user.revision ?? 0) === e.revision
    );
  }

  set(k: string, user: User): void {
    if (this.opts.ttlMs <= 0) return;
    if (this.entries.size >= this.opts.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(k, {
      orgId: user.orgId,
      userId: user.id,
      username: user.username,
      passwordHash: user.passwordHash,
      revision: user.revision ?? 0,
      expiresAt: this.opts.clock.now().getTime() + this.opts.ttlMs,
    });
  }

  drop(k: string): void {
    this.entries.delete(k);
  }

  get size(): number {
    return this.entries.size;
  }
}
