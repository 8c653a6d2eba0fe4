import jwt from 'jsonwebtoken';
import { createPublicKey, generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import {
  ROLES,
  SCOPES,
  UnauthenticatedError,
  systemClock,
  type Clock,
  type OrgId,
  type Role,
  type Scope,
} from '@isac/kernel';

/** One ES256 signing key. The newest key of a KeyRing signs; every key still in the ring verifies. */
export interface SigningKey {
  readonly kid: string;
  readonly privateKeyPem: string;
  readonly publicKeyPem: string;
  readonly createdAt: string;
}

export function generateSigningKey(kid: string, createdAt: string): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    kid,
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    createdAt,
  };
}

export interface AccessClaims {
  readonly sub: string;
  readonly org: OrgId;
  readonly roles: readonly Role[];
  readonly scopes: readonly Scope[];
}

export interface TokenConfig {
  readonly issuer: string;
  readonly audience: string;
  readonly ttlSeconds: number;
}

/**
 * Issues and verifies ES256 access tokens with a `kid`. Rotation: add a new key (it signs from
 * then on), keep the old one until the last token it signed expires, then drop it.
 */
export class TokenService {
  private readonly keys: readonly SigningKey[];
  constructor(
    keys: readonly SigningKey[],
    private readonly config: TokenConfig,
    /** Issue and expiry times come from this clock (tests move it by hand). */
    private readonly clock: Clock = systemClock,
  ) {
    if (keys.length === 0) throw new Error('TokenService needs at least one signing key');
    this.keys = [...keys].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  private get current(): SigningKey {
    return this.keys[this.keys.length - 1]!;
  }

  issue(claims: AccessClaims, jti: string): { token: string; expiresIn: number } {
    const nowMs = this.clock.now().getTime();
    // `iat` has second precision; `iatMs` lets revocation (user.tokensValidAfter) be exact.
    const token = jwt.sign(
      {
        org: claims.org,
        roles: claims.roles,
        scopes: claims.scopes,
        iat: Math.floor(nowMs / 1000),
        iatMs: nowMs,
      },
      this.current.privateKeyPem,
      {
        algorithm: 'ES256',
        keyid: this.current.kid,
        subject: claims.sub,
        issuer: this.config.issuer,
        audience: this.config.audience,
        expiresIn: this.config.ttlSeconds,
        jwtid: jti,
      },
    );
    return { token, expiresIn: this.config.ttlSeconds };
  }

  /** Verifies signature (ES256 only, never `none` or HMAC), kid, issuer, audience and expiry. */
  verify(
    token: string,
    /** Only to name the user of an expired console session (ADR 0023); never to grant access. */
    opts: { readonly ignoreExpiration?: boolean } = {},
  ): AccessClaims & { jti?: string | undefined; exp: number; issuedAtMs: number } {
    const decoded = jwt.decode(token, { complete: true });
    if (!decoded || typeof decoded.payload === 'string')
      throw new UnauthenticatedError('the bearer token is not a JWT');
    if (decoded.header.alg !== 'ES256')
      throw new UnauthenticatedError(`token algorithm ${decoded.header.alg} is not accepted`);
    const key = this.keys.find((k) => k.kid === decoded.header.kid);
    if (!key) throw new UnauthenticatedError('token signed with an unknown key');
    let payload: jwt.JwtPayload;
    try {
      payload = jwt.verify(token, key.publicKeyPem, {
        algorithms: ['ES256'],
        issuer: this.config.issuer,
        audience: this.config.audience,
        clockTimestamp: Math.floor(this.clock.now().getTime() / 1000),
        ignoreExpiration: opts.ignoreExpiration === true,
      }) as jwt.JwtPayload;
    } catch (err) {
      const e = err as Error;
      throw new UnauthenticatedError(
        e.name === 'TokenExpiredError' ? 'the token has expired' : `the token is not valid: ${e.message}`,
      );
    }
    const org: unknown = payload['org'];
    const roles: unknown = payload['roles'];
    const scopes: unknown = payload['scopes'];
    if (
      typeof payload.sub !== 'string' ||
      typeof org !== 'string' ||
      !isListOf(roles, ROLES) ||
      !isListOf(scopes, SCOPES) ||
      typeof payload.exp !== 'number' ||
      typeof payload.iat !== 'number'
    ) {
      throw new UnauthenticatedError('the token lacks required claims');
    }
    const iatMs: unknown = payload['iatMs'];
    const issuedAtMs =
      typeof iatMs === 'number' && Math.floor(iatMs / 1000) === payload.iat ? iatMs : payload.iat * 1000;
    return { sub: payload.sub, org, roles, scopes, jti: payload.jti, exp: payload.exp, issuedAtMs };
  }

  /** The public keys, as a JWKS document for `/.well-known/jwks.json`. */
  jwks(): { keys: (JsonWebKey & { kid: string; alg: string; use: string })[] } {
    return {
      keys: this.keys.map((k) => ({
        ...createPublicKey(k.publicKeyPem).export({ format: 'jwk' }),
        kid: k.kid,
        alg: 'ES256',
        use: 'sig',
      })),
    };
  }
}

function isListOf<T extends string>(value: unknown, allowed: readonly T[]): value is T[] {
  return (
    Array.isArray(value) &&
    value.every((v) => typeof v === 'string' && (allowed as readonly string[]).includes(v))
  );
}
