/** aedes-persistence-level ships no types; the async persistence aedes 1.x takes (aedes-persistence 11 API). */
declare module 'aedes-persistence-level/asyncPersistence.js' {
  export default class AsyncLevelPersistence {
    constructor(db: unknown);
    setup(broker: unknown): Promise<void>;
    destroy(): Promise<void>;
  }
}
