export {
  type CreateDatastoreRequest,
  createDatastoreReply,
  createDatastoreRequest,
  type DeleteDatastoreRequest,
  datastoreSummary,
  deleteDatastoreRequest,
  type ListDatastoresReply,
  listDatastoresReply,
  type ReadDatastoreReply,
  readDatastoreReply,
  type UpdateDatastoreRequest,
  updateDatastoreReply,
  updateDatastoreRequest,
} from './datastore.ts';
export {
  callbackPass,
  callbackUrl,
  callbackUser,
  cipherHex,
  keyCipherHex,
  nonceHex,
  vaultId,
} from './fields.ts';
export {
  type CreateSecretRequest,
  createSecretReply,
  createSecretRequest,
  deleteSecretLinkRequest,
  historyItemReply,
  type MoveSecretLinkRequest,
  moveSecretLinkRequest,
  type ReadSecretReply,
  readSecretReply,
  secretHistoryReply,
  type UpdateSecretRequest,
  updateSecretRequest,
} from './secret.ts';
export * from './sharing.ts';
export {
  avatarsReply,
  createServerSecretRequest,
  type ServerSecretsMode,
  serverSecretsModes,
  shareRightsOverviewReply,
  type UserStatusReply,
  userStatusReply,
} from './user.ts';
