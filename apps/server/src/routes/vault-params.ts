/**
 * What the vault routes read from paths and bodies the same way: ids in a path, and the parent
 * (a datastore or a share) of a new secret, link or share.
 */
import { ApiError } from '@ldap-login/protocol';
import { z } from 'zod';
import type { VaultParent } from '../vault/vault-access.ts';

const idParam = z.uuid();

/** An id from the path, lower-cased; anything but a UUID is refused like an id the caller may not see. */
export function pathId(value: string, what: string): string {
  const id = idParam.safeParse(value);
  if (!id.success) throw new ApiError('NO_PERMISSION_OR_NOT_EXIST', `${what} id is not a UUID`);
  return id.data.toLowerCase();
}

/** Exactly one of a datastore and a share; `missing` is the error code when neither is given. */
export function parentOf(
  datastoreId: string | null | undefined,
  shareId: string | null | undefined,
  missing: 'EITHER_PARENT_DATASTORE_OR_SHARE_NEED_TO_BE_DEFINED' | 'NO_PARENT_PROVIDED',
): VaultParent {
  if (datastoreId != null && shareId != null) {
    throw new ApiError('EITHER_PARENT_DATASTORE_OR_SHARE_NEED_TO_BE_DEFINED_NOT_BOTH');
  }
  if (datastoreId != null) return { datastoreId };
  if (shareId != null) return { shareId };
  throw new ApiError(missing);
}
