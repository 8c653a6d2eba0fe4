import type { Clock } from '@isac/kernel';

/** `dispatcher.grouping`'s window settings. */
export interface WindowSettings {
  /** 0: no window, every submission runs at once, alone. */
  readonly windowMs: number;
  /** Submissions of more objects than this run at once, alone. */
  readonly windowMaxObjects: number;
}

/** Waits `ms` then calls `fn`; a test passes its own (default: setTimeout). */
export type Schedule = (ms: number, fn: () => void) => void;

const realSchedule: Schedule = (ms, fn) => {
  setTimeout(fn, ms);
};

interface OpenGroup<T> {
  readonly closesAt: number;
  readonly ids: string[];
  readonly result: Promise<T>;
}

/**
 * The singles window (ADR 0013): distribute jobs of small submissions that arrive within
 * `windowMs` of the first one's acceptance are held and run as ONE batch, `run(all their ids)`;
 * each job gets the batch's result. A submission bigger than `windowMaxObjects`, or one of unknown
 * size, runs at once, alone. A job accepted after the open group's window closed (a late claim)
 * starts a new group: its window is counted from its own acceptance, so no job waits longer than
 * `windowMs` past its acceptance.
 */
export class SinglesWindow<T> {
  private open: OpenGroup<T> | undefined;

  constructor(
    private readonly deps: {
      readonly clock: Clock;
      readonly settings: WindowSettings;
      readonly run: (submissionIds: readonly string[]) => Promise<T>;
      readonly schedule?: Schedule | undefined;
    },
  ) {}

  /** Holds this submission's job until its group runs; resolves (or rejects) with the group's result. */
  join(submissionId: string, objects: number | undefined, acceptedAt: Date): Promise<T> {
    const { settings, clock, run } = this.deps;
    if (settings.windowMs <= 0 || objects === undefined || objects > settings.windowMaxObjects)
      return run([submissionId]);
    const now = clock.now().getTime();
    const g = this.open;
    if (g && now < g.closesAt) {
      if (!g.ids.includes(submissionId)) g.ids.push(submissionId);
      return g.result;
    }
    const closesAt = acceptedAt.getTime() + settings.windowMs;
    const ids = [submissionId];
    const schedule = this.deps.schedule ?? realSchedule;
    const result = new Promise<T>((resolve, reject) =>
      schedule(Math.max(0, closesAt - now), () => {
        if (this.open?.ids === ids) this.open = undefined;
        run(ids).then(resolve, reject);
      }),
    );
    // a late job (its window already over) runs alone at once; others may still join while it waits a turn
    this.open = { closesAt: Math.max(closesAt, now), ids, result };
    return result;
  }
}
