import { Ajv, type ErrorObject, type JSONSchemaType } from 'ajv';
import addFormats from 'ajv-formats';

/** One bad setting: where it came from and what is wrong with it. */
export interface ConfigProblem {
  readonly key: string;
  readonly message: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(
      problems.length === 1
        ? `invalid configuration: ${problems[0]!.key}: ${problems[0]!.message}`
        : `invalid configuration:\n${problems.map((p) => `  - ${p.key}: ${p.message}`).join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

export interface ConfigSources {
  /** Layers, lowest first: config/default.json, config/<NODE_ENV>.json, … (already parsed). */
  readonly layers: readonly { readonly name: string; readonly values: unknown }[];
  /** Environment variables. `ISAC_SMTP__HOST` sets `smtp.host`; `X_FILE` reads a secret from a file. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Short names for common settings, e.g. { ISAC_HTTP_PORT: 'http.port' }. */
  readonly aliases?: Readonly<Record<string, string>>;
  /** Reads a secret file named by an `*_FILE` variable. */
  readonly readFile?: (path: string) => string;
  /** Applied last (tests). */
  readonly overrides?: unknown;
  /** Top-level sections dropped from every source before validation (settings of other processes). */
  readonly ignore?: readonly string[];
}

const ENV_PREFIX = 'ISAC_';
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (FORBIDDEN_KEYS.has(k)) continue;
    const prev = out[k];
    out[k] = isPlainObject(prev) && isPlainObject(v) ? deepMerge(prev, v) : v;
  }
  return out;
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const seg of path.slice(0, -1)) {
    if (FORBIDDEN_KEYS.has(seg)) return;
    const next = node[seg];
    if (!isPlainObject(next)) node[seg] = {};
    node = node[seg] as Record<string, unknown>;
  }
  const last = path[path.length - 1];
  if (last !== undefined && !FORBIDDEN_KEYS.has(last)) node[last] = value;
}

/** Environment values are strings; JSON-looking ones (numbers, booleans, arrays, objects) are parsed. */
function envValue(raw: string): unknown {
  const t = raw.trim();
  if (/^(true|false|null|-?\d+(\.\d+)?|\[.*\]|\{.*\})$/s.test(t)) {
    try {
      return JSON.parse(t) as unknown;
    } catch {
      return raw;
    }
  }
  return raw;
}

function camel(seg: string): string {
  return seg.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/**
 * The settings the environment gives, and for each dotted key the variable as the user wrote it
 * (`ISAC_HTTP_PORT`, `ISAC_SMTP__HOST`, `ISAC_SMTP_URL_FILE`), so errors name what they typed.
 */
function fromEnv(
  sources: ConfigSources,
  problems: ConfigProblem[],
  origin: Map<string, string>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const env = sources.env ?? {};
  const aliases = sources.aliases ?? {};
  for (const [name, raw] of Object.entries(env)) {
    if (raw === undefined) continue;
    let varName = name;
    let value: unknown;
    // an alias that itself ends in _FILE (ISAC_TLS_CERT_FILE, ISAC_METRICS_TOKEN_FILE) names a path setting
    if (
      aliases[name] === undefined &&
      name.endsWith('_FILE') &&
      (aliases[name.slice(0, -5)] !== undefined || name.startsWith(ENV_PREFIX))
    ) {
      varName = name.slice(0, -5);
      try {
        value = (
          sources.readFile ??
          (() => {
            throw new Error('no file reader');
          })
        )(raw).replace(/\r?\n$/, '');
      } catch (err) {
        problems.push({ key: name, message: `cannot read secret file ${raw}: ${(err as Error).message}` });
        continue;
      }
    } else {
      value = envValue(raw);
    }
    const alias = aliases[varName];
    if (alias !== undefined) {
      setPath(out, alias.split('.'), value);
      origin.set(alias, name);
    } else if (varName.startsWith(ENV_PREFIX) && varName.includes('__')) {
      const path = varName.slice(ENV_PREFIX.length).split('__').map(camel);
      setPath(out, path, value);
      origin.set(path.join('.'), name);
    }
  }
  return out;
}

function describe(e: ErrorObject): ConfigProblem {
  const base = e.instancePath.replace(/^\//, '').replace(/\//g, '.');
  if (e.keyword === 'additionalProperties') {
    const extra = (e.params as { additionalProperty: string }).additionalProperty;
    return { key: base ? `${base}.${extra}` : extra, message: 'is not a known setting' };
  }
  if (e.keyword === 'required') {
    const missing = (e.params as { missingProperty: string }).missingProperty;
    return { key: base ? `${base}.${missing}` : missing, message: 'is required' };
  }
  if (e.keyword === 'enum') {
    const allowed = (e.params as { allowedValues: readonly unknown[] }).allowedValues;
    return {
      key: base || '(root)',
      message: `must be one of: ${allowed.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ')}`,
    };
  }
  return { key: base || '(root)', message: e.message ?? 'is invalid' };
}

/**
 * Merges the layers, the environment and the overrides, validates the result against `schema`
 * (defaults applied, numbers coerced from strings), and returns it frozen. Every bad key is
 * reported at once in one ConfigError.
 */
export function loadConfig<T>(
  schema: JSONSchemaType<T> | Record<string, unknown>,
  sources: ConfigSources,
): Readonly<T> {
  const problems: ConfigProblem[] = [];
  let merged: Record<string, unknown> = {};
  for (const layer of sources.layers) {
    if (layer.values === undefined) continue;
    if (!isPlainObject(layer.values)) {
      problems.push({ key: layer.name, message: 'is not a JSON object' });
      continue;
    }
    merged = deepMerge(merged, layer.values);
  }
  const origin = new Map<string, string>();
  merged = deepMerge(merged, fromEnv(sources, problems, origin));
  if (isPlainObject(sources.overrides)) merged = deepMerge(merged, sources.overrides);
  for (const section of sources.ignore ?? []) delete merged[section];
  const ajv = new Ajv({ allErrors: true, useDefaults: true, coerceTypes: true, strict: false });
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  const validate = ajv.compile(schema);
  if (!validate(merged)) {
    // A setting the environment gave is named as the user gave it (the variable); one from a
    // file is named by its key, with the short environment name when it has one.
    const aliasOf = new Map(Object.entries(sources.aliases ?? {}).map(([name, key]) => [key, name]));
    const givenBy = (key: string): string | undefined => {
      for (let k = key; k !== ''; k = k.includes('.') ? k.slice(0, k.lastIndexOf('.')) : '') {
        const name = origin.get(k);
        if (name !== undefined) return name;
      }
      return undefined;
    };
    for (const p of (validate.errors ?? []).map(describe)) {
      const variable = givenBy(p.key);
      const alias = aliasOf.get(p.key);
      if (variable !== undefined)
        problems.push({ key: variable, message: `${p.message} (setting ${p.key})` });
      else problems.push(alias ? { ...p, key: `${p.key} (${alias})` } : p);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(merged) as Readonly<T>;
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const child of Object.values(v)) deepFreeze(child);
    Object.freeze(v);
  }
  return v;
}
