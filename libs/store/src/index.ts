export * from './ports/index.js';
export * from './outbox.js';
export * from './time.js';
export { openSqliteStores, type SqliteOptions } from './sqlite/index.js';
