import type { Request, RequestHandler } from 'express';
import { isUtf8 } from 'node:buffer';
import {
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  ValidationError,
  NotAcceptableError,
  inTurns,
} from '@isac/kernel';
import { parseJsonInSlices } from './json-slices.js';

/** Parses `type/subtype; a=b` into a lower-case essence and parameters. */
export function parseMediaType(
  header: string | undefined,
): { essence: string; params: Record<string, string> } | undefined {
  if (!header) return undefined;
  const [essence, ...rest] = header.split(';');
  if (!essence) return undefined;
  const params: Record<string, string> = {};
  for (const p of rest) {
    const i = p.indexOf('=');
    if (i > 0)
      params[p.slice(0, i).trim().toLowerCase()] = p
        .slice(i + 1)
        .trim()
        .replace(/^"|"$/g, '');
  }
  return { essence: essence.trim().toLowerCase(), params };
}

/** A media type we accept: its essence, and the `version` parameter if it must match. */
export interface MediaRule {
  readonly essence: string;
  readonly version?: string;
}

export function mediaMatches(header: string | undefined, rules: readonly MediaRule[]): boolean {
  const m = parseMediaType(header);
  if (!m) return false;
  return rules.some(
    (r) =>
      r.essence === m.essence &&
      (r.version === undefined || m.params['version'] === undefined || m.params['version'] === r.version),
  );
}

/** Throws 406 unless the Accept header admits one of `rules` (absent or * / * admits all). */
export function requireAcceptable(req: Request, rules: readonly MediaRule[]): void {
  const accept = req.headers.accept;
  if (!accept) return;
  const ok = accept.split(',').some((part) => {
    const m = parseMediaType(part);
    if (!m) return false;
    if (m.essence === '*/*' || m.essence === 'application/*') return true;
    return rules.some(
      (r) =>
        r.essence === m.essence &&
        (r.version === undefined || m.params['version'] === undefined || m.params['version'] === r.version),
    );
  });
  if (!ok)
    throw new NotAcceptableError(
      `cannot answer in any media type the Accept header allows; this endpoint produces ${rules.map((r) => (r.version ? `${r.essence};version=${r.version}` : r.essence)).join(' or ')}`,
    );
}

/**
 * The byte offset where `b` stops being well-formed UTF-8 (RFC 3629: no overlong forms, no
 * surrogates, nothing past U+10FFFF, no truncated sequence), or -1 when all of it is.
 */
export function invalidUtf8Offset(b: Uint8Array): number {
  if (isUtf8(b)) return -1;
  const n = b.length;
  let i = 0;
  while (i < n) {
    const c = b[i]!;
    if (c < 0x80) {
      i += 1;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c === 0xe0) lo = 0xa0;
      else if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c === 0xf0) lo = 0x90;
      else if (c === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      const d = b[i + k];
      if (d === undefined || d < (k === 1 ? lo : 0x80) || d > (k === 1 ? hi : 0xbf)) return i;
    }
    i += need + 1;
  }
  return -1;
}

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);
const MAX_DEPTH = 64;
/** Values the hostile-key walk visits between two looks at the clock (`inTurns`). */
const HOSTILE_KEY_SLICE = 1000;
/** Characters of a body parsed between two looks at the clock (`inTurns`): about a millisecond. */
const JSON_SLICE_CHARS = 64 * 1024;

/** Finds `__proto__`/`constructor`/`prototype` keys and excessive nesting; returns the JSON pointer of the first. */
export function findHostileKey(value: unknown): { path: string; message: string } | undefined {
  const steps = hostileKeyInSlices(value, Number.MAX_SAFE_INTEGER);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * `findHostileKey` that yields after every `slice` values it visits, so that a caller can let the
 * event loop run while a 10 MB body is checked (ADR 0019). Depth first, in key order.
 */
export function* hostileKeyInSlices(
  value: unknown,
  slice: number,
): Generator<void, { path: string; message: string } | undefined, void> {
  interface Node {
    readonly value: unknown;
    readonly path: string;
    readonly depth: number;
    /** Set on the entry of a forbidden key: reported when the walk reaches it. */
    readonly forbidden?: string;
  }
  const stack: Node[] = [{ value, path: '', depth: 0 }];
  let visited = 0;
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (++visited % slice === 0) yield;
    if (node.forbidden !== undefined)
      return { path: node.path, message: `the key "${node.forbidden}" is not allowed` };
    if (node.depth > MAX_DEPTH)
      return { path: node.path, message: `nesting deeper than ${MAX_DEPTH} levels` };
    const v = node.value;
    if (typeof v !== 'object' || v === null) continue;
    const depth = node.depth + 1;
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], path: `${node.path}/${i}`, depth });
      continue;
    }
    // Children go on the stack last first, so they are visited in key order; nothing after a
    // forbidden key is visited (the walk stops there).
    const keys = Object.keys(v);
    const bad = keys.findIndex((k) => FORBIDDEN.has(k));
    for (let i = (bad < 0 ? keys.length : bad + 1) - 1; i >= 0; i--) {
      const k = keys[i]!;
      const path = `${node.path}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      stack.push(
        i === bad
          ? { value: undefined, path, depth, forbidden: k }
          : { value: (v as Record<string, unknown>)[k], path, depth },
      );
    }
  }
  return undefined;
}

/**
 * Reads and parses a JSON body: 415 for another media type, 413 past `limit` bytes (without
 * reading the rest), 400 for bytes that are not UTF-8 (with the byte offset), malformed JSON
 * (with the position) or hostile keys (with the path).
 * The parsed value is left in `req.body`.
 */
export function jsonBody(opts: { limit: number; types: readonly MediaRule[] }): RequestHandler {
  return (req, _res, next) => {
    if (!mediaMatches(req.headers['content-type'], opts.types)) {
      next(
        new UnsupportedMediaTypeError(
          `Content-Type must be ${opts.types.map((t) => (t.version ? `${t.essence};version=${t.version}` : t.essence)).join(' or ')}; got ${req.headers['content-type'] ?? 'none'}`,
        ),
      );
      return;
    }
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > opts.limit) {
      req.resume();
      next(
        new PayloadTooLargeError(
          `the body is ${declared} bytes; this endpoint accepts at most ${opts.limit}`,
        ),
      );
      return;
    }
    const chunks: Buffer[] = [];
    // Decoded as it arrives (a little per chunk rather than 10 MB at the end, ADR 0019), strictly:
    // U+FFFD in place of what was sent would store something else.
    const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    const parts: string[] = [];
    let wellFormed = true;
    const decode = (c?: Buffer): void => {
      if (!wellFormed) return;
      try {
        parts.push(c ? decoder.decode(c, { stream: true }) : decoder.decode());
      } catch {
        wellFormed = false;
      }
    };
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > opts.limit) {
        failed = true;
        next(new PayloadTooLargeError(`the body is larger than ${opts.limit} bytes`));
        return;
      }
      chunks.push(c);
      decode(c);
    });
    req.on('error', (err) => {
      if (!failed) {
        failed = true;
        next(err);
      }
    });
    req.on('end', () => {
      if (failed) return;
      decode();
      if (!wellFormed) {
        const bytes = Buffer.concat(chunks);
        const bad = invalidUtf8Offset(bytes);
        next(
          new ValidationError(
            `the request body is not valid UTF-8: byte ${bad} (0x${(bytes[bad] ?? 0).toString(16).padStart(2, '0')}) starts an ill-formed sequence`,
            [{ path: '', message: `invalid UTF-8 at byte ${bad}`, rule: 'utf8' }],
          ),
        );
        return;
      }
      chunks.length = 0;
      const text = parts.join('');
      if (text.trim() === '') {
        next(
          new ValidationError('the request body is empty; a JSON document is required', [
            { path: '', message: 'empty body' },
          ]),
        );
        return;
      }
      // The parse and the hostile-key walk of a large body run a few milliseconds per turn of the
      // event loop (ADR 0019): other requests are answered meanwhile.
      void (async () => {
        let parsed: unknown;
        try {
          parsed = await inTurns(parseJsonInSlices(text, JSON_SLICE_CHARS));
        } catch (err) {
          next(
            new ValidationError(`malformed JSON: ${(err as Error).message}`, [
              { path: '', message: (err as Error).message },
            ]),
          );
          return;
        }
        const hostile = await inTurns(hostileKeyInSlices(parsed, HOSTILE_KEY_SLICE));
        if (hostile) {
          next(
            new ValidationError(`rejected input at ${hostile.path || '/'}: ${hostile.message}`, [hostile]),
          );
          return;
        }
        (req as { body: unknown }).body = parsed;
        next();
      })().catch((err: unknown) => next(err));
    });
  };
}
