import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { correctedLdapUrl, loadCaFile } from './transport-steps.ts';

describe('correctedLdapUrl', () => {
  it('turns near-miss URLs into the LDAP URL that was meant', () => {
    expect(correctedLdapUrl('http://dc1.example.com:389')).toBe('ldap://dc1.example.com:389');
    expect(correctedLdapUrl('https://dc1.example.com')).toBe('ldaps://dc1.example.com');
    expect(correctedLdapUrl('LDAPS://dc1.example.com:636/')).toBe('ldaps://dc1.example.com:636');
    expect(correctedLdapUrl('dc1.example.com:389')).toBe('ldap://dc1.example.com:389');
  });
});

describe('loadCaFile', () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'diagnose-ca-'));
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('says why a CA file cannot be used', async () => {
    expect(await loadCaFile(join(folder, 'missing.pem'))).toEqual({
      ok: false,
      message: `cannot read ${join(folder, 'missing.pem')} (ENOENT)`,
    });
    const notPem = join(folder, 'ca.der');
    await writeFile(notPem, Buffer.from([0x30, 0x82, 0x01]));
    expect(await loadCaFile(notPem)).toMatchObject({
      ok: false,
      message: expect.stringContaining('holds no PEM'),
    });
    const broken = join(folder, 'broken.pem');
    await writeFile(broken, '-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n');
    expect(await loadCaFile(broken)).toMatchObject({
      ok: false,
      message: expect.stringContaining('not a valid PEM'),
    });
  });
});
