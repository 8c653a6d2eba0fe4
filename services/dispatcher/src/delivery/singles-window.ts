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
  readonly ids: string[];
  readonly result: Promise<T>;
}

/**
 * The singles window (ADR 0013): distribute jobs of small submissions that arrive within
 * `windowMs` of the first one's acceptance are held and run as ONE batch, `run(all their ids)`;
 * each job gets the batch's result. A submission bigger than `windowMaxObjects`, or one of unknown
 * size, runs at once, alone. The group is open until it runs: a job claimed late (a backlog after
 * a restart) waits only what is left of the window counted from the first one's acceptance, and
 * the jobs claimed with it join it, so a backlog of singles is still grouped. A job never waits
 * longer than `windowMs` past the acceptance of its group's first job.
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
    const g = this.open;
    // open until it runs: jobs claimed in the same round as a late first one still join it
    if (g) {
      if (!g.ids.includes(submissionId)) g.ids.push(submissionId);
      return g.result;
    }
    const wait = Math.max(0, acceptedAt.getTime() + settings.windowMs - clock.now().getTime());
    const ids = [submissionId];
    const schedule = this.deps.schedule ?? realSchedule;
    const result = new Promise<T>((resolve, reject) =>
      schedule(wait, () => {
        if (this.open?.ids === ids) this.open = undefined;
        run(ids).then(resolve, reject);
      }),
    );
    this.open = { ids, result };
    return result;
  }
}
