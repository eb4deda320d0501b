/** Public API of the server package (used by the `manage` CLI and the benchmark). */
export type {
  DirectoryGroup,
  DirectoryServerHealth,
  DirectoryUser,
  LoginDirectory,
} from './accounts/directory-port.ts';
export { type GroupSyncResult, syncDirectoryGroups } from './accounts/groups.ts';
export { API_BASE_PATH, type AppDeps, createApp, MAX_BODY_BYTES } from './app.ts';
export { type AuditEvent, recordAuditEvent } from './audit.ts';
export { ServerKeyError, type ServerKeys, serverKeysFrom } from './crypto/server-keys.ts';
export { openDatabase } from './db/database.ts';
export { type Executor, executorFor } from './db/executor.ts';
export { MigrationError, migrateToLatest } from './db/migrations.ts';
export type { Database, DatabaseSchema } from './db/schema.ts';
export { API_ERRORS, type ApiErrorCode } from './http/api-error.ts';
export { createLogger } from './logger.ts';
export { type RunningServer, SettingsError, type StartServerOptions, startServer } from './server.ts';
