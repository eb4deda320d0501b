/** Outcomes of vault operations the client can cause; routes map them to ApiErrors in one place. */
export type VaultRefusal =
  | 'NO_PERMISSION_OR_NOT_EXIST'
  | 'DUPLICATE_TYPE_DESCRIPTION'
  | 'CANNOT_DELETE_DEFAULT_DATASTORE'
  | 'WRITE_DATE_MISMATCH'
  | 'DUPLICATE_LINK_ID'
  | 'DUPLICATE_NONCE'
  | 'EITHER_PARENT_DATASTORE_OR_SHARE_NEED_TO_BE_DEFINED'
  | 'EITHER_PARENT_DATASTORE_OR_SHARE_NEED_TO_BE_DEFINED_NOT_BOTH'
  | 'NO_PARENT_PROVIDED'
  | 'USER_ALREADY_PART_OF_GROUP'
  | 'SHARE_RIGHT_EXISTS'
  | 'GROUP_KEYS_ALREADY_PRESENT'
  | 'FORCED_MEMBERSHIP'
  | 'EITHER_USER_OR_GROUP_NEEDS_TO_BE_DEFINED';

export class VaultError extends Error {
  override readonly name = 'VaultError';
  constructor(
    readonly code: VaultRefusal,
    readonly reason: string,
  ) {
    super(`${code}: ${reason}`);
  }
}

/** The refusal for any id the caller may not touch, whether it exists or not (`what` is for the log). */
export function denied(what: string): VaultError {
  return new VaultError('NO_PERMISSION_OR_NOT_EXIST', what);
}
