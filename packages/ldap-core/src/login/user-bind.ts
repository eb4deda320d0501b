import type { DirectoryConnection } from '../connection/connection.ts';
import { toDirectoryError } from '../errors/error-mapping.ts';

/**
 * Proves the password: a simple bind as the user's DN with the password exactly as typed (never
 * trimmed, escaped or logged). Runs on a connection of the bind pool, which is never used for
 * searches, so no search ever runs with a user's rights.
 */
export async function bindAsUser(
  connection: DirectoryConnection,
  userDn: string,
  password: string,
  domain: string,
): Promise<void> {
  connection.boundAs = 'nobody';
  try {
    await connection.client.bind(userDn, password);
  } catch (error) {
    throw toDirectoryError(error, { step: 'user-bind', url: connection.url, dn: userDn, domain });
  }
  connection.boundAs = 'user';
}
