import { mapSqliteError, type Db } from './database.js';
import type { Exercise, ExerciseStore } from '../ports/index.js';

interface Row {
  id: string;
  name: string;
  start_at: string;
  end_at: string;
  participants: string;
  scenario: string;
  created_at: string;
  created_by: string;
  closed_at: string | null;
}

const fromRow = (r: Row): Exercise => ({
  id: r.id,
  name: r.name,
  start: r.start_at,
  end: r.end_at,
  participants: JSON.parse(r.participants) as string[],
  scenario: r.scenario,
  createdAt: r.created_at,
  createdBy: r.created_by,
  ...(r.closed_at === null ? {} : { closedAt: r.closed_at }),
});

/** Exercises (ADR 0033): one row each, participants as a JSON array. */
export class SqliteExerciseStore implements ExerciseStore {
  constructor(private readonly db: Db) {}

  create(e: Exercise): Promise<void> {
    try {
      this.db
        .prepare(
          `INSERT INTO exercises (id, name, start_at, end_at, participants, scenario, created_at, created_by, closed_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          e.id,
          e.name,
          e.start,
          e.end,
          JSON.stringify(e.participants),
          e.scenario,
          e.createdAt,
          e.createdBy,
          e.closedAt ?? null,
        );
    } catch (err) {
      mapSqliteError(err, 'exercise');
    }
    return Promise.resolve();
  }

  get(id: string): Promise<Exercise | undefined> {
    const r = this.db.prepare('SELECT * FROM exercises WHERE id = ?').get(id) as Row | undefined;
    return Promise.resolve(r ? fromRow(r) : undefined);
  }

  list(): Promise<Exercise[]> {
    const rows = this.db.prepare('SELECT * FROM exercises ORDER BY start_at DESC, id').all() as Row[];
    return Promise.resolve(rows.map(fromRow));
  }

  close(id: string, at: string): Promise<Exercise | undefined> {
    this.db.prepare('UPDATE exercises SET closed_at = ? WHERE id = ? AND closed_at IS NULL').run(at, id);
    return this.get(id);
  }
}
