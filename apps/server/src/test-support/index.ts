/** Test and benchmark helpers: the protocol client, a disposable PostgreSQL, an in-memory directory. */
export { HEADLESS_CHROMIUM_ARGS } from './chromium-args.ts';
export { FakeDirectory, type FakeUser } from './fake-directory.ts';
export {
  POSTGRES_BIN_DIR,
  postgresAvailable,
  type RunningPostgres,
  type StartPostgresOptions,
  startPostgres,
} from './postgres.ts';
export {
  KeysLockedError,
  type LoginOptions,
  type LoginUser,
  ProtocolClient,
  Session,
  type Transport,
  type TransportResponse,
} from './protocol-client.ts';
export { testSettings } from './test-app.ts';
