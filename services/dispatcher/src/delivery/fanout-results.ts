import type { FanoutResult } from '@isac/store';
import type { PublishResult } from '../mqtt/mqtt-alert-publisher.js';

/**
 * What a fan-out's recipients come to after `publishAll` of their messages (or how many they
 * were), flattened in order: a recipient fails with the first error among its messages, else it is delivered.
 */
export function fanoutResults(
  todo: readonly { readonly index: number; readonly messages: number | readonly unknown[] }[],
  published: readonly PublishResult[],
): { failed: Map<number, string>; results: FanoutResult[] } {
  const failed = new Map<number, string>();
  let i = 0;
  for (const w of todo)
    for (let m = 0, n = typeof w.messages === 'number' ? w.messages : w.messages.length; m < n; m++) {
      const r = published[i++];
      if (r && !r.ok && !failed.has(w.index)) failed.set(w.index, r.error);
    }
  const results = todo.map((w): FanoutResult => {
    const error = failed.get(w.index);
    return error === undefined ? { index: w.index, ok: true } : { index: w.index, ok: false, error };
  });
  return { failed, results };
}
