import { describe, expect, it } from 'vitest';
import type { CryptoBackend } from '../crypto/crypto-backend.ts';
import { DecryptionError } from '../crypto/decryption-error.ts';
import { nobleCrypto } from '../crypto/noble-crypto.ts';
import { fromHex, toHex } from '../hex.ts';
import { sodiumCrypto } from '../node.ts';
import { missingGroupSecretRequest, openGroupKey } from './group-key-job.ts';
import { type MembershipMissingGroupSecretJob, membershipMissingGroupSecretRequest } from './sharing.ts';

describe.each([
  ['noble (browser)', nobleCrypto],
  ['sodium-native (Node)', sodiumCrypto],
] as [string, CryptoBackend][])('the group key job on the %s backend', (_name, crypto) => {
  const keyPair = () => {
    const pair = crypto.generateX25519KeyPair();
    return { privateKey: toHex(pair.privateKey), publicKey: toHex(pair.publicKey) };
  };
  const secretKey = () => toHex(crypto.randomBytes(32));

  /** A group, a holder of its keys (in either of Psono's two forms) and a forced newcomer. */
  function setting(form: 'symmetric' | 'asymmetric') {
    const group = { secretKey: secretKey(), ...keyPair() };
    const holder = { secretKey: secretKey(), ...keyPair() };
    const newcomer = keyPair();
    const copy = (value: string) =>
      form === 'symmetric'
        ? crypto.secretboxSeal(value, fromHex(holder.secretKey))
        : // boxed for the holder with the group's key pair, as an admin's client does
          crypto.boxSeal(value, fromHex(holder.publicKey), fromHex(group.privateKey));
    const secret = copy(group.secretKey);
    const privateKey = copy(group.privateKey);
    const job: MembershipMissingGroupSecretJob = {
      group_id: '4f6e2c1a-8a5e-4b7c-9d3f-2a1b0c9d8e7f',
      missing_user_membership_id: '0b9d6c3e-1f2a-4e5d-8c7b-6a5f4e3d2c1b',
      missing_user_user_id: '7c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f',
      missing_user_public_key: newcomer.publicKey,
      secret_key: secret.text,
      secret_key_nonce: secret.nonce,
      secret_key_type: form,
      private_key: privateKey.text,
      private_key_nonce: privateKey.nonce,
      private_key_type: form,
      public_key: group.publicKey,
    };
    return { group, holder, newcomer, job };
  }

  for (const form of ['symmetric', 'asymmetric'] as const) {
    it(`boxes the group's keys for the newcomer (holder's copy ${form})`, () => {
      const { group, holder, newcomer, job } = setting(form);
      const request = missingGroupSecretRequest(crypto, job, holder);
      // the server's schema takes it as it stands
      expect(membershipMissingGroupSecretRequest.parse(request).membership_id).toBe(
        job.missing_user_membership_id,
      );
      // the newcomer opens both with the group's public key and their own private key
      const open = (text: string, nonce: string) =>
        crypto.boxOpen({ text, nonce }, fromHex(group.publicKey), fromHex(newcomer.privateKey));
      expect(open(request.secret_key, request.secret_key_nonce)).toBe(group.secretKey);
      expect(open(request.private_key, request.private_key_nonce)).toBe(group.privateKey);
      // nobody else opens them with their own key pair
      const stranger = keyPair();
      expect(() =>
        crypto.boxOpen(
          { text: request.secret_key, nonce: request.secret_key_nonce },
          fromHex(group.publicKey),
          fromHex(stranger.privateKey),
        ),
      ).toThrow(DecryptionError);
    });

    it(`refuses a job whose copy is not the holder's (${form})`, () => {
      const { job } = setting(form);
      const { holder: someoneElse } = setting(form);
      expect(() => missingGroupSecretRequest(crypto, job, someoneElse)).toThrow(DecryptionError);
    });
  }

  it('refuses a copy that opens to something other than a 32-byte hex key', () => {
    const holder = { secretKey: secretKey(), ...keyPair() };
    const sealed = crypto.secretboxSeal('not a key', fromHex(holder.secretKey));
    expect(() => openGroupKey(crypto, sealed, 'symmetric', keyPair().publicKey, holder)).toThrow(
      'a group key is not 32 bytes of hex',
    );
    const key = secretKey();
    expect(
      openGroupKey(crypto, crypto.secretboxSeal(key, fromHex(holder.secretKey)), 'symmetric', '', holder),
    ).toBe(key);
  });
});
