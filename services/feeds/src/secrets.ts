import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { FeedAuth } from './source.js';

/** What is sealed: the secret part of a feed's credential. */
type Secret = { readonly password: string } | { readonly token: string } | { readonly value: string };

/**
 * A feed's credential at rest (ADR 0041): the secret is sealed with AES-256-GCM under the hub's
 * feed credential key (`<dataDir>/keys/feed-credentials.key`, mode 0600) before it reaches the
 * store, so a copy of the database (a backup, a MongoDB dump) does not hold partners' passwords
 * in clear. The feed id is the additional data: a sealed secret moved to another feed fails.
 */
export class FeedSecrets {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('the feed credential key must be 32 bytes');
  }

  /** The sealed secret of `auth` (undefined for `none`), and the name that may be shown. */
  seal(feedId: string, auth: FeedAuth): { sealed?: string; name?: string } {
    switch (auth.type) {
      case 'none':
        return {};
      case 'basic':
        return { name: auth.username, sealed: this.sealSecret(feedId, { password: auth.password }) };
      case 'bearer':
        return { sealed: this.sealSecret(feedId, { token: auth.token }) };
      case 'header':
        return { name: auth.name, sealed: this.sealSecret(feedId, { value: auth.value }) };
    }
  }

  /** The credential of a stored feed, for one pull. */
  open(
    feedId: string,
    stored: { authType: FeedAuth['type']; authName?: string | undefined; authSealed?: string | undefined },
  ): FeedAuth {
    if (stored.authType === 'none') return { type: 'none' };
    const secret = this.openSecret(feedId, stored.authSealed ?? '');
    const name = stored.authName ?? '';
    if (stored.authType === 'basic' && 'password' in secret)
      return { type: 'basic', username: name, password: secret.password };
    if (stored.authType === 'bearer' && 'token' in secret) return { type: 'bearer', token: secret.token };
    if (stored.authType === 'header' && 'value' in secret)
      return { type: 'header', name, value: secret.value };
    throw new Error(`feed ${feedId}: the sealed credential does not match its type ${stored.authType}`);
  }

  private sealSecret(feedId: string, secret: Secret): string {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.key, iv);
    c.setAAD(Buffer.from(feedId));
    const body = Buffer.concat([c.update(JSON.stringify(secret), 'utf8'), c.final()]);
    return Buffer.concat([iv, c.getAuthTag(), body]).toString('base64url');
  }

  private openSecret(feedId: string, sealed: string): Secret {
    const raw = Buffer.from(sealed, 'base64url');
    const d = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
    d.setAAD(Buffer.from(feedId));
    d.setAuthTag(raw.subarray(12, 28));
    try {
      return JSON.parse(Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8')) as Secret;
    } catch {
      throw new Error(
        `feed ${feedId}: its credential cannot be opened with this hub's feed credential key (restored from another hub?): set it again`,
      );
    }
  }
}
