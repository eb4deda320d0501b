/**
 * The job that hands a group's keys to a forced member (a member the directory put in the group,
 * who never received the keys from an admin): a member who holds the keys opens them and boxes
 * them for the newcomer's public key with the group's private key, as Psono's client does in its
 * job scheduler. The newcomer opens them with the group's public key and their own private key.
 */
import {
  type CryptoBackend,
  fromHex,
  type MembershipMissingGroupSecretJob,
  type membershipMissingGroupSecretRequest,
} from '@ldap-login/protocol';
import type { z } from 'zod';
import type { VaultClient } from '../api/vault-client.ts';
import { openKey } from './datastore-codec.ts';
import type { OpenedKeys } from './vault-keys.ts';

export type JobCrypto = Pick<
  CryptoBackend,
  'secretboxOpen' | 'secretboxSeal' | 'boxOpen' | 'boxSeal' | 'randomBytes'
>;
export type MissingGroupSecretRequest = z.input<typeof membershipMissingGroupSecretRequest>;

/** Every 10 minutes while the vault is open, as Psono's client checks. */
export const GROUP_KEY_JOB_INTERVAL_MS = 10 * 60 * 1000;

/** One of the holder's copies of a group key: under their secret key, or boxed from the group. */
export function openGroupKey(
  crypto: JobCrypto,
  text: string,
  nonce: string,
  type: 'symmetric' | 'asymmetric',
  groupPublicKey: string,
  keys: OpenedKeys,
): string {
  if (type === 'symmetric') return openKey(crypto, { text, nonce }, keys.secretKey);
  return crypto.boxOpen({ text, nonce }, fromHex(groupPublicKey), fromHex(keys.privateKey));
}

/** The request that gives the newcomer of `job` the group's secret and private key. */
export function missingGroupSecretRequest(
  crypto: JobCrypto,
  job: MembershipMissingGroupSecretJob,
  keys: OpenedKeys,
): MissingGroupSecretRequest {
  const secretKey = openGroupKey(
    crypto,
    job.secret_key,
    job.secret_key_nonce,
    job.secret_key_type,
    job.public_key,
    keys,
  );
  const privateKey = openGroupKey(
    crypto,
    job.private_key,
    job.private_key_nonce,
    job.private_key_type,
    job.public_key,
    keys,
  );
  const newcomer = fromHex(job.missing_user_public_key);
  const groupPrivate = fromHex(privateKey);
  const sealedSecret = crypto.boxSeal(secretKey, newcomer, groupPrivate);
  const sealedPrivate = crypto.boxSeal(privateKey, newcomer, groupPrivate);
  return {
    membership_id: job.missing_user_membership_id,
    secret_key: sealedSecret.text,
    secret_key_nonce: sealedSecret.nonce,
    private_key: sealedPrivate.text,
    private_key_nonce: sealedPrivate.nonce,
  };
}

/**
 * Runs the open jobs once; a job whose keys do not open is left for another member. Returns how
 * many were done and how many failed.
 */
export async function runGroupKeyJobs(
  crypto: JobCrypto,
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
