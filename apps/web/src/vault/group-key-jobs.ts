/**
 * Runs, while the vault is open, the jobs that hand a group's keys to forced members (members the
 * directory put in a group, who never received the keys from an admin), as Psono's client does in
 * its job scheduler. The job itself is the protocol's `missingGroupSecretRequest`.
 */
import { type GroupKeyCrypto, missingGroupSecretRequest } from '@ldap-login/protocol';
import type { VaultClient } from '../api/vault-client.ts';
import type { OpenedKeys } from './vault-keys.ts';

/** Every 10 minutes while the vault is open, as Psono's client checks. */
export const GROUP_KEY_JOB_INTERVAL_MS = 10 * 60 * 1000;

/**
 * Runs the open jobs once; a job whose keys do not open is left for another member. Returns how
 * many were done and how many failed.
 */
export async function runGroupKeyJobs(
  crypto: GroupKeyCrypto,
  client: Pick<VaultClient, 'jobs' | 'provideMissingGroupSecret'>,
  keys: OpenedKeys,
): Promise<{ done: number; failed: number }> {
  const { memberships_missing_group_secrets: jobs } = await client.jobs();
  let done = 0;
  let failed = 0;
  for (const job of jobs) {
    try {
      await client.provideMissingGroupSecret(missingGroupSecretRequest(crypto, job, keys));
      done++;
    } catch {
      failed++;
    }
  }
  return { done, failed };
}
