import { ConflictError } from '@isac/kernel';
import type { Collection, Db } from 'mongodb';
import type { Exercise, ExerciseStore } from '../ports/index.js';
import { COLLECTIONS, isDuplicateKey } from './mongo-docs.js';

interface ExerciseDoc {
  _id: string;
  name: string;
  start: string;
  end: string;
  participants: string[];
  scenario: string;
  createdAt: string;
  createdBy: string;
  closedAt?: string;
}

const fromDoc = (d: ExerciseDoc): Exercise => ({
  id: d._id,
  name: d.name,
  start: d.start,
  end: d.end,
  participants: d.participants,
  scenario: d.scenario,
  createdAt: d.createdAt,
  createdBy: d.createdBy,
  ...(d.closedAt === undefined ? {} : { closedAt: d.closedAt }),
});

/** Exercises (ADR 0033): one document each, `_id` the exercise id. */
export class MongoExerciseStore implements ExerciseStore {
  private readonly col: Collection<ExerciseDoc>;
  constructor(db: Db) {
    this.col = db.collection<ExerciseDoc>(COLLECTIONS.exercises);
  }

  async create(e: Exercise): Promise<void> {
    try {
      await this.col.insertOne({
        _id: e.id,
        name: e.name,
        start: e.start,
        end: e.end,
        participants: [...e.participants],
        scenario: e.scenario,
        createdAt: e.createdAt,
        createdBy: e.createdBy,
        ...(e.closedAt === undefined ? {} : { closedAt: e.closedAt }),
      });
    } catch (err) {
      if (isDuplicateKey(err)) throw new ConflictError('exercise already exists', [], { cause: err });
      throw err;
    }
  }

  async get(id: string): Promise<Exercise | undefined> {
    const d = await this.col.findOne({ _id: id });
    return d ? fromDoc(d) : undefined;
  }

  async list(): Promise<Exercise[]> {
    return (await this.col.find({}).sort({ start: -1, _id: 1 }).toArray()).map(fromDoc);
  }

  async close(id: string, at: string): Promise<Exercise | undefined> {
    await this.col.updateOne({ _id: id, closedAt: { $exists: false } }, { $set: { closedAt: at } });
    return this.get(id);
  }
}
