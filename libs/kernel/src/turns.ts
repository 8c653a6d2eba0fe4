/**
 * Long work done in slices on the event loop (ADR 0019). The work is a generator that yields
 * between small units (a few objects, a few hundred kilobytes of text); `inTurns` runs units until
 * `budgetMs` have passed in this turn, then lets the event loop run (`setImmediate`) before the
 * next ones. The budget, not a count, bounds each block, whatever the machine's speed or load.
 */
export async function inTurns<T>(steps: Generator<void, T, void>, budgetMs = TURN_BUDGET_MS): Promise<T> {
  let start = performance.now();
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    if (performance.now() - start >= budgetMs) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      start = performance.now();
    }
  }
}

/** What one turn of sliced work may take by default: well under the 100 ms p99 of issue 13. */
export const TURN_BUDGET_MS = 8;

/** Runs `steps` to the end at once (the synchronous form of `inTurns`). */
export function atOnce<T>(steps: Generator<void, T, void>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}
