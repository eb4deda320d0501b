export type { DirectoryMode } from './backend.ts';
export {
  DATASET_NAMES,
  type DatasetDefinition,
  type DatasetFlavor,
  type DatasetName,
  type DirectoryGroup,
  type DirectoryUser,
  datasetContent,
  datasetDefinition,
  escapeRdnValue,
  GENERATED,
} from './datasets.ts';
export { TestDirectoryError } from './errors.ts';
export { freeLoopbackPort } from './free-port.ts';
export { ldifEntry, ldifLine, sshaHash } from './ldif.ts';
export { type StartDirectoryOptions, startDirectory, type TestDirectory } from './start-directory.ts';
export { startDirectoryOrSkip } from './start-directory-or-skip.ts';
