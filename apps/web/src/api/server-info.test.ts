import { type ServerInfo, toHex } from '@ldap-login/protocol';
import nacl from 'tweetnacl';
import { beforeEach, describe, expect, it } from 'vitest';
import { fetchServerInfo } from './server-info.ts';
import { judgeIdentity, pinVerifyKey } from './trust-store.ts';

const signer = nacl.sign.keyPair();
const info = JSON.stringify({
  version: '4.0.14 (Build x)',
  api: 1,
  type: 'EE',
  public_key: 'ab'.repeat(32),
  authentication_methods: ['LDAP'],
  web_client: '',
  log_audit: false,
  management: false,
  allow_registration: false,
  allow_lost_password: false,
  multifactor_enabled: false,
  ldap_domains: ['example.com'],
  compliance_server_secrets: 'noone',
} satisfies ServerInfo);
const signed = (infoString: string, keys = signer) => ({
  info: infoString,
  signature: toHex(nacl.sign.detached(new TextEncoder().encode(infoString), keys.secretKey)),
  verify_key: toHex(keys.publicKey),
});
const serving = (body: unknown) => (async () => new Response(JSON.stringify(body))) as typeof fetch;

beforeEach(() => localStorage.clear());

describe('fetchServerInfo', () => {
  it('accepts info signed by the key sent beside it', async () => {
    const result = await fetchServerInfo('https://a.example/server/', serving(signed(info)));
    expect(result).toMatchObject({
      verifyKey: toHex(signer.publicKey),
      publicKey: 'ab'.repeat(32),
      authenticationMethods: ['LDAP'],
    });
  });

  it('rejects info altered after signing, or signed by another key', async () => {
    const tampered = { ...signed(info), info: info.replace('"LDAP"', '"AUTHKEY"') };
    await expect(fetchServerInfo('https://a.example/server', serving(tampered))).rejects.toMatchObject({
      code: 'BAD_SIGNATURE',
    });
    const otherKey = { ...signed(info, nacl.sign.keyPair()), verify_key: toHex(signer.publicKey) };
    await expect(fetchServerInfo('https://a.example/server', serving(otherKey))).rejects.toMatchObject({
      code: 'BAD_SIGNATURE',
    });
  });

  it('calls anything else a malformed response', async () => {
    await expect(
      fetchServerInfo('https://a.example/server', serving({ hello: 'world' })),
    ).rejects.toMatchObject({ code: 'MALFORMED_RESPONSE' });
    await expect(
      fetchServerInfo('https://a.example/server', serving(signed('not json'))),
    ).rejects.toMatchObject({ code: 'MALFORMED_RESPONSE' });
    const html = (async () => new Response('<!doctype html>')) as typeof fetch;
    await expect(fetchServerInfo('https://a.example/server', html)).rejects.toMatchObject({
      code: 'MALFORMED_RESPONSE',
    });
  });
});

describe('server identity', () => {
  const key = 'AB'.repeat(32);
  it('is new until pinned, trusted when it matches, changed when it does not', () => {
    expect(judgeIdentity('https://a.example/server', key)).toEqual({ status: 'new' });
    pinVerifyKey('https://a.example/server/', key);
    expect(judgeIdentity('https://a.example/server', key.toLowerCase())).toEqual({ status: 'trusted' });
    expect(judgeIdentity('https://a.example/server', 'cd'.repeat(32))).toEqual({
      status: 'changed',
      pinned: key.toLowerCase(),
    });
    // another server is a different identity
    expect(judgeIdentity('https://b.example/server', key)).toEqual({ status: 'new' });
  });

  it('lets the administrator pin override what this browser remembered', () => {
    pinVerifyKey('https://a.example/server', key);
    expect(judgeIdentity('https://a.example/server', key, 'cd'.repeat(32)).status).toBe('changed');
    expect(judgeIdentity('https://a.example/server', 'cd'.repeat(32), 'CD'.repeat(32)).status).toBe(
      'trusted',
    );
  });
});
