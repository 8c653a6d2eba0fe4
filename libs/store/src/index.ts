export * from './ports/index.js';
export * from './outbox.js';
export * from './job-catalogue.js';
export * from './time.js';
export { fanoutAlertId, parseFanoutAlertId } from './fanout-alert-id.js';
export { guardStore } from './store-errors.js';
export { OrgDirectory, type OrgIndex } from './org-directory.js';
export { openStores, warmInBackground, type StoreConfig } from './open-stores.js';
export { openSqliteStores, type SqliteOptions } from './sqlite/index.js';
export { createPrivateFile, unusableStateFile } from './sqlite/database.js';
export {
  ensurePrivateDirectory,
  lockDirectory,
  type DirectoryLock,
  type LockHolder,
} from './sqlite/directory-lock.js';
export { PositionSet } from './position-set.js';
export { releaseKeyOf } from './release-key.js';
export {
  exerciseState,
  exerciseParticipants,
  exerciseScopeOf,
  exercisesById,
  type ExerciseState,
} from './exercise-state.js';
export {
  BACKUP_MANIFEST,
  BackupError,
  backupDataDir,
  readBackupManifest,
  restoreDataDir,
  verifyBackup,
  type BackupFile,
  type BackupManifest,
  type BackupOptions,
  type RestoreOptions,
} from './backup/data-dir-backup.js';
