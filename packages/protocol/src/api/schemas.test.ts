import { describe, expect, it } from 'vitest';
import { activateTokenRequestSchema } from './activate-token.ts';
import { encryptedSchema } from './encrypted.ts';
import { formatFingerprint } from './info.ts';
import { loginRequestSchema } from './login.ts';
import { scryptParametersSchema } from './scrypt-parameters.ts';
import { userUpdateRequestSchema } from './user.ts';

const hex = (bytes: number) => 'ab'.repeat(bytes);

describe('request schemas', () => {
  it('accept a login request and refuse unknown keys, bad hex and wrong lengths', () => {
    const request = {
      login_info: hex(40),
      login_info_nonce: hex(24),
      public_key: hex(32),
      session_duration: 60,
    };
    expect(loginRequestSchema.parse(request)).toEqual(request);
    expect(loginRequestSchema.safeParse({ ...request, extra: 1 }).success).toBe(false);
    expect(loginRequestSchema.safeParse({ ...request, public_key: 'zz'.repeat(32) }).success).toBe(false);
    expect(loginRequestSchema.safeParse({ ...request, login_info: `${hex(40)}a` }).success).toBe(false);
    expect(loginRequestSchema.safeParse({ ...request, login_info_nonce: hex(23) }).success).toBe(false);
  });

  it('take an encrypted envelope of at least a tag', () => {
    expect(encryptedSchema.safeParse({ text: hex(16), nonce: hex(24) }).success).toBe(true);
    expect(encryptedSchema.safeParse({ text: hex(15), nonce: hex(24) }).success).toBe(false);
  });

  it('accept what Psono’s client sends on activate-token and update', () => {
    expect(
      activateTokenRequestSchema.safeParse({
        verification: hex(40),
        verification_nonce: hex(24),
        zoneinfo: 'UTC',
      }).success,
    ).toBe(true);
    const update = {
      private_key: hex(80),
      private_key_nonce: hex(24),
      secret_key: hex(80),
      secret_key_nonce: hex(24),
      user_sauce: hex(32),
      email: null,
      authkey: null,
      authkey_old: null,
      language: null,
      hashing_algorithm: 'scrypt',
      hashing_parameters: { u: 14, r: 8, p: 1, l: 64 },
    };
    expect(userUpdateRequestSchema.safeParse(update).success).toBe(true);
    expect(
      userUpdateRequestSchema.safeParse({ ...update, hashing_parameters: { u: 15, r: 8, p: 1, l: 64 } })
        .success,
    ).toBe(false);
  });
});

describe('scryptParametersSchema', () => {
  it('accepts sane parameters and refuses costs that would hang a phone', () => {
    expect(scryptParametersSchema.safeParse({ u: 14, r: 8, p: 1, l: 64 }).success).toBe(true);
    expect(scryptParametersSchema.safeParse({ u: 30, r: 8, p: 1, l: 64 }).success).toBe(false);
    expect(scryptParametersSchema.safeParse({ u: 14, r: 8, p: 1, l: 16 }).success).toBe(false);
    expect(scryptParametersSchema.safeParse({ u: 14.5, r: 8, p: 1, l: 64 }).success).toBe(false);
  });
});

describe('formatFingerprint', () => {
  it('shows the verify key in lower-case groups of four', () => {
    expect(formatFingerprint('0123456789ABCDEF01')).toBe('0123 4567 89ab cdef 01');
  });
});
