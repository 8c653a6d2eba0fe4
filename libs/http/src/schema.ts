import { Ajv, type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import { ValidationError, type ErrorDetail } from '@isac/kernel';
import { SAFE_TEXT, unsafeCharacter, unsafeTextMessage } from '@isac/api';

/** The one ajv instance for request schemas. */
export const ajv = new Ajv({ allErrors: true, strict: false, coerceTypes: false, useDefaults: true });
(addFormats as unknown as (a: Ajv) => void)(ajv);

/** The value at a JSON pointer of `root`. */
function at(root: unknown, pointer: string): unknown {
  let v = root;
  for (const part of pointer.split('/').slice(1)) {
    const k = part.replace(/~1/g, '/').replace(/~0/g, '~');
    v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[k] : undefined;
  }
  return v;
}

function detail(e: ErrorObject, value: unknown): ErrorDetail {
  if (e.keyword === 'pattern' && (e.params as { pattern?: string }).pattern === SAFE_TEXT) {
    const text = at(value, e.instancePath);
    const bad = typeof text === 'string' ? unsafeCharacter(text) : undefined;
    if (bad) {
      const field = e.instancePath.slice(1).replace(/\//g, '.') || 'body';
      return { path: e.instancePath, message: unsafeTextMessage(field, bad), rule: 'safe_text' };
    }
  }
  if (e.keyword === 'required') {
    const p = `${e.instancePath}/${(e.params as { missingProperty: string }).missingProperty}`;
    return { path: p, message: `${p.slice(1)} is required`, rule: 'required' };
  }
  if (e.keyword === 'additionalProperties') {
    const p = `${e.instancePath}/${(e.params as { additionalProperty: string }).additionalProperty}`;
    return { path: p, message: `${p.slice(1)} is not a known field`, rule: 'additional_property' };
  }
  const field = e.instancePath.slice(1).replace(/\//g, '.') || 'body';
  if (e.keyword === 'enum') {
    // The allowed values travel with the error, so a client can show them (issue 16).
    const allowedValues = (e.params as { allowedValues: readonly unknown[] }).allowedValues;
    const named = allowedValues.filter((v) => v !== null).map((v) => JSON.stringify(v).replace(/^"|"$/g, ''));
    return {
      path: e.instancePath,
      message: `${field} must be one of: ${named.join(', ')}${named.length < allowedValues.length ? ' (or null to clear it)' : ''}`,
      rule: 'enum',
      allowedValues: allowedValues.map((v) => (v === null || typeof v === 'string' ? v : JSON.stringify(v))),
    };
  }
  return { path: e.instancePath, message: `${field} ${e.message ?? 'is invalid'}`, rule: e.keyword };
}

const cache = new WeakMap<object, ReturnType<Ajv['compile']>>();

/** Validates `value` against `schema`, or throws a 400 whose details name each bad field by JSON pointer. */
export function validateInput<T>(schema: object, value: unknown, what = 'request body'): T {
  let fn = cache.get(schema);
  if (!fn) {
    fn = ajv.compile(schema);
    cache.set(schema, fn);
  }
  if (!fn(value)) {
    const details = (fn.errors ?? []).map((e) => detail(e, value));
    throw new ValidationError(`invalid ${what}: ${details.map((d) => d.message).join('; ')}`, details);
  }
  return value as T;
}

/** Names and other free text: no control, bidirectional or zero-width characters (libs/api, ADR 0017). */
export { SAFE_TEXT } from '@isac/api';
