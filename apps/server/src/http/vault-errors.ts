/** Vault outcomes as API errors (one place, like directory-errors.ts). */
import { VaultError } from '../vault/vault-errors.ts';
import { ApiError } from './api-error.ts';

/** Runs `work`, turning a `VaultError` into the ApiError of the same code. */
export async function asApiErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof VaultError) throw new ApiError(error.code, error.reason);
    throw error;
  }
}
