/**
 * `@ldap-login/ldap-core/testing`: a disposable OpenLDAP (a container, or a private slapd) seeded with
 * one of the datasets described in DATASETS.md, for integration tests, the benchmark and the demo.
 */
export {
  DATASET_NAMES,
  type DatasetName,
  datasetContent,
  datasetDefinition,
} from './datasets.ts';
export { runningInCi } from './environment.ts';
export { TestDirectoryError } from './errors.ts';
export { freeLoopbackPort } from './free-port.ts';
export {
  missingSambaPrograms,
  type SambaDirectory,
  type SambaUserOptions,
  startSambaDirectory,
} from './samba-directory.ts';
export { setUserPassword } from './set-user-password.ts';
export { type StartDirectoryOptions, startDirectory, type TestDirectory } from './start-directory.ts';
export { startDirectoryOrSkip } from './start-directory-or-skip.ts';
