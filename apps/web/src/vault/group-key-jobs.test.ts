import { fromHex, type MembershipMissingGroupSecretJob, nobleCrypto, toHex } from '@ldap-login/protocol';
import { describe, expect, it } from 'vitest';
import { newSecretKey, sealKey } from './datastore-codec.ts';
import { runGroupKeyJobs } from './group-key-jobs.ts';

const crypto = nobleCrypto;

function keyPair() {
  const pair = crypto.generateX25519KeyPair();
  return { privateKey: toHex(pair.privateKey), publicKey: toHex(pair.publicKey) };
}

/** A job for a newcomer of a group whose keys `holder` holds under their secret key. */
function jobFor(holder: { secretKey: string }) {
  const group = { secretKey: newSecretKey(crypto), ...keyPair() };
  const newcomer = keyPair();
  const [secret, privateKey] = [group.secretKey, group.privateKey].map((key) =>
    sealKey(crypto, key, holder.secretKey),
  );
  const job: MembershipMissingGroupSecretJob = {
    group_id: globalThis.crypto.randomUUID(),
    missing_user_membership_id: globalThis.crypto.randomUUID(),
    missing_user_user_id: globalThis.crypto.randomUUID(),
    missing_user_public_key: newcomer.publicKey,
    secret_key: secret!.text,
    secret_key_nonce: secret!.nonce,
    secret_key_type: 'symmetric',
    private_key: privateKey!.text,
    private_key_nonce: privateKey!.nonce,
    private_key_type: 'symmetric',
    public_key: group.publicKey,
  };
  return { group, newcomer, job };
}

describe('the jobs that hand group keys to forced members', () => {
  it('runs every open job; one whose keys do not open is counted and the others still go', async () => {
    const holder = { secretKey: newSecretKey(crypto), ...keyPair() };
    const good = jobFor(holder);
    const other = jobFor({ secretKey: newSecretKey(crypto) });
    const sent: { membership_id: string; secret_key: string; secret_key_nonce: string }[] = [];
    const result = await runGroupKeyJobs(
      crypto,
      {
        jobs: async () => ({
          memberships_missing_group_secrets: [other.job, good.job],
          staff_missing_group_secrets: [],
        }),
        provideMissingGroupSecret: async (request) => {
          sent.push(request);
        },
      },
      holder,
    );
    expect(result).toEqual({ done: 1, failed: 1 });
    expect(sent.map((request) => request.membership_id)).toEqual([good.job.missing_user_membership_id]);
    // what went out is the good job's group key, boxed for its newcomer
    const [request] = sent;
    expect(
      crypto.boxOpen(
        { text: request!.secret_key, nonce: request!.secret_key_nonce },
        fromHex(good.group.publicKey),
        fromHex(good.newcomer.privateKey),
      ),
    ).toBe(good.group.secretKey);
  });
});
