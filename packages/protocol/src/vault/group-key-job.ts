/**
 * The job that hands a group's keys to a forced member (a member the directory put in the group,
 * who never received the keys from an admin): a member who holds the keys opens their copy and
 * boxes both keys for the newcomer's public key with the group's private key, as Psono's client
 * does in its job scheduler. The newcomer opens them with the group's public key and their own
 * private key. The web client runs it; the server's tests run it as the official client would.
 */
import type { z } from 'zod';
import type { Encrypted } from '../api/encrypted.ts';
import type { CryptoBackend } from '../crypto/crypto-backend.ts';
import { DecryptionError } from '../crypto/decryption-error.ts';
import { fromHex } from '../hex.ts';
import type { MembershipMissingGroupSecretJob, membershipMissingGroupSecretRequest } from './sharing.ts';

export type GroupKeyCrypto = Pick<CryptoBackend, 'secretboxOpen' | 'boxOpen' | 'boxSeal'>;
type KeyType = MembershipMissingGroupSecretJob['secret_key_type'];
export type MissingGroupSecretRequest = z.input<typeof membershipMissingGroupSecretRequest>;

/** A member's own keys, opened (hex): the secret key and the X25519 private key. */
export interface MemberKeys {
  readonly secretKey: string;
  readonly privateKey: string;
}

const KEY_HEX = /^[0-9a-f]{64}$/i;

/**
 * One of a member's copies of a group key: under their secret key (`symmetric`), or boxed for them
 * with the group's key pair (`asymmetric`). Throws `DecryptionError` when it does not open or what
 * opens is not a 32-byte key in hex.
 *
 * @example openGroupKey(crypto, { text: m.secret_key, nonce: m.secret_key_nonce }, m.secret_key_type, group.public_key, keys)
 */
export function openGroupKey(
  crypto: GroupKeyCrypto,
  sealed: Encrypted,
  type: KeyType,
  groupPublicKey: string,
  member: MemberKeys,
): string {
  const key =
    type === 'symmetric'
      ? crypto.secretboxOpen(sealed, fromHex(member.secretKey))
      : crypto.boxOpen(sealed, fromHex(groupPublicKey), fromHex(member.privateKey));
  if (!KEY_HEX.test(key)) throw new DecryptionError('a group key is not 32 bytes of hex');
  return key;
}

/**
 * The request (`POST /job/membership-missing-group-secret/`) that gives the newcomer of `job` the
 * group's secret and private key, from the holder's copy in the job.
 */
export function missingGroupSecretRequest(
  crypto: GroupKeyCrypto,
  job: MembershipMissingGroupSecretJob,
  holder: MemberKeys,
): MissingGroupSecretRequest {
  const open = (text: string, nonce: string, type: KeyType) =>
    openGroupKey(crypto, { text, nonce }, type, job.public_key, holder);
  const secretKey = open(job.secret_key, job.secret_key_nonce, job.secret_key_type);
  const privateKey = open(job.private_key, job.private_key_nonce, job.private_key_type);
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
