import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import { loadConfig } from './load-config.js';

/** Read-only all the way down: a loaded configuration is frozen (loadConfig). */
export type DeepReadonly<T> = T extends readonly (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/**
 * The type of a configuration that passed `S` (an `as const` JSON Schema), defaults applied: a
 * property with a `default` is always there. The schema is the one statement of a config slice;
 * its type and its defaults (`defaultsOf`) are derived from it.
 */
export type ConfigOf<S extends JSONSchema> = DeepReadonly<FromSchema<S>>;

const computed = new WeakMap<object, unknown>();

/**
 * What `{}` becomes under `schema`: every default, by the same ajv pass that loadConfig runs on a
 * process's files and environment (frozen; computed once per schema).
 */
export function defaultsOf<S extends object>(schema: S): S extends JSONSchema ? ConfigOf<S> : never {
  let defaults = computed.get(schema);
  if (defaults === undefined) {
    defaults = loadConfig(schema as Record<string, unknown>, {
      layers: [{ name: '(schema defaults)', values: {} }],
    });
    computed.set(schema, defaults);
  }
  return defaults as S extends JSONSchema ? ConfigOf<S> : never;
}
