import { expect } from 'chai';
import { createHmac } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { ManualClock, UnauthenticatedError } from '@isac/kernel';
import { TokenService, generateSigningKey } from './tokens.js';

const config = { issuer: 'isac-hub', audience: 'isac-hub', ttlSeconds: 900 };
const claims = { sub: 'u1', org: 'bank-a', roles: ['analyst'] as const, scopes: ['submit', 'read'] as const };
const k1 = generateSigningKey('k1', '2026-01-01T00:00:00.000Z');
const k2 = generateSigningKey('k2', '2026-02-01T00:00:00.000Z');

const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

function rejects(service: TokenService, token: string, message?: RegExp): void {
  try {
    service.verify(token);
  } catch (err) {
    expect(err).to.be.instanceOf(UnauthenticatedError);
    if (message) expect((err as Error).message).to.match(message);
    return;
  }
  expect.fail('the token was accepted');
}

describe(TokenService.name, () => {
  let clock: ManualClock;
  let tokens: TokenService;
  beforeEach(() => {
    clock = new ManualClock('2026-03-01T00:00:00.000Z');
    tokens = new TokenService([k1], config, clock);
  });

  it('issues ES256 tokens with a kid that verify', () => {
    const { token, expiresIn } = tokens.issue(claims, 'j1');
    expect(expiresIn).to.equal(900);
    const header = jwt.decode(token, { complete: true })?.header;
    expect(header).to.include({ alg: 'ES256', kid: 'k1' });
    const v = tokens.verify(token);
    expect(v).to.include({ sub: 'u1', org: 'bank-a', jti: 'j1' });
    expect(v.roles).to.deep.equal(['analyst']);
    expect(v.issuedAtMs).to.equal(clock.now().getTime());
  });

  it('rejects alg none', () => {
    const now = Math.floor(clock.now().getTime() / 1000);
    const token = `${b64({ alg: 'none', typ: 'JWT', kid: 'k1' })}.${b64({ ...claims, iss: 'isac-hub', aud: 'isac-hub', iat: now, exp: now + 900 })}.`;
    rejects(tokens, token, /algorithm none/);
  });

  it('rejects HS256 signed with the public key as the secret', () => {
    const now = Math.floor(clock.now().getTime() / 1000);
    const head = `${b64({ alg: 'HS256', typ: 'JWT', kid: 'k1' })}.${b64({ ...claims, iss: 'isac-hub', aud: 'isac-hub', iat: now, exp: now + 900 })}`;
    const sig = createHmac('sha256', k1.publicKeyPem).update(head).digest('base64url');
    rejects(tokens, `${head}.${sig}`, /HS256/);
  });

  it('rejects an expired token', () => {
    const { token } = tokens.issue(claims, 'j1');
    clock.advance(901_000);
    rejects(tokens, token, /expired/);
  });

  it('rejects a token for another audience or issuer', () => {
    const other = new TokenService([k1], { ...config, audience: 'another-hub' }, clock);
    rejects(tokens, other.issue(claims, 'j1').token, /audience/);
    const otherIssuer = new TokenService([k1], { ...config, issuer: 'someone-else' }, clock);
    rejects(tokens, otherIssuer.issue(claims, 'j2').token, /issuer/);
  });

  it('rejects a token signed with an unknown key, or with no kid', () => {
    const stranger = new TokenService([generateSigningKey('k9', '2026-01-01T00:00:00.000Z')], config, clock);
    rejects(tokens, stranger.issue(claims, 'j1').token, /unknown key/);
    const now = Math.floor(clock.now().getTime() / 1000);
    const noKid = jwt.sign({ ...claims, iat: now }, k1.privateKeyPem, {
      algorithm: 'ES256',
      issuer: 'isac-hub',
      audience: 'isac-hub',
      expiresIn: 900,
    });
    rejects(tokens, noKid, /unknown key/);
  });

  it('rejects a token whose kid names a ring key but whose signature is another key', () => {
    const now = Math.floor(clock.now().getTime() / 1000);
    const forged = jwt.sign({ ...claims, iat: now }, k2.privateKeyPem, {
      algorithm: 'ES256',
      keyid: 'k1',
      issuer: 'isac-hub',
      audience: 'isac-hub',
      expiresIn: 900,
    });
    rejects(tokens, forged, /not valid/);
  });

  it('rejects a tampered payload', () => {
    const { token } = tokens.issue(claims, 'j1');
    const [h, p, s] = token.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
    rejects(tokens, `${h}.${b64({ ...payload, roles: ['hub-admin'] })}.${s}`);
  });

  it('rejects tokens lacking claims or naming unknown roles', () => {
    const now = Math.floor(clock.now().getTime() / 1000);
    const sign = (payload: object): string =>
      jwt.sign(payload, k1.privateKeyPem, {
        algorithm: 'ES256',
        keyid: 'k1',
        issuer: 'isac-hub',
        audience: 'isac-hub',
        expiresIn: 900,
      });
    rejects(tokens, sign({ sub: 'u1', roles: [], scopes: [], iat: now }), /claims/);
    rejects(tokens, sign({ sub: 'u1', org: 'bank-a', roles: ['emperor'], scopes: [], iat: now }), /claims/);
  });

  it('rejects garbage', () => {
    rejects(tokens, 'not-a-jwt', /not a JWT/);
    rejects(tokens, '', /not a JWT/);
  });

  it('rotates keys without downtime: old tokens still verify, the newest key signs', () => {
    const before = tokens.issue(claims, 'j1').token;
    const rotated = new TokenService([k2, k1], config, clock);
    expect(rotated.verify(before).sub).to.equal('u1');
    const after = rotated.issue(claims, 'j2').token;
    expect(jwt.decode(after, { complete: true })?.header.kid).to.equal('k2');
    rejects(tokens, after, /unknown key/);
    expect(rotated.jwks().keys.map((k) => k.kid)).to.have.members(['k1', 'k2']);
    // Dropping the old key ends its tokens.
    rejects(new TokenService([k2], config, clock), before, /unknown key/);
  });

  it('publishes only public keys in the JWKS', () => {
    const jwks = tokens.jwks();
    expect(jwks.keys).to.have.length(1);
    expect(jwks.keys[0]).to.include({ kid: 'k1', alg: 'ES256', use: 'sig', kty: 'EC', crv: 'P-256' });
    expect(jwks.keys[0]).to.not.have.property('d');
  });

  it('refuses to run without keys', () => {
    expect(() => new TokenService([], config)).to.throw(/at least one/);
  });
});
