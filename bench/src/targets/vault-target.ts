/**
 * The vault as the web client uses it: a datastore of N entries (Psono's tree of items, each with
 * its own secret id and key) and one secret in it, built with the protocol package's crypto as a
 * client builds them, then read (`GET /datastore/<id>/` and `GET /secret/<id>/`) and written
 * (`POST /datastore/` and `POST /secret/`) through the server's vault routes on one session.
 */
import { randomUUID } from 'node:crypto';
import { fromHex, toHex } from '@ldap-login/protocol';
import { sodiumCrypto } from '@ldap-login/protocol/node';
import type { Session } from '@ldap-login/server/testing';
import type { VaultBytes } from '../floor/floor-target.ts';

export interface BenchVault {
  bytes: VaultBytes;
  /** Plain JSON size of the datastore's tree, in bytes. */
  treeBytes: number;
  /** The datastore and the secret read once. */
  read(): Promise<void>;
  /** The datastore's tree and the secret, each sealed again (the server refuses a nonce twice), written once. */
  write(): Promise<void>;
  /** A small vault operation (a secret read or write, alternating), for the memory figure. */
  small(sequence: number): Promise<void>;
}

/** One entry of the tree as Psono's client writes a website password. */
function treeItem(index: number, secretId: string): Record<string, unknown> {
  return {
    id: randomUUID(),
    name: `Site ${index} login`,
    type: 'website_password',
    urlfilter: `site${index}.example.com`,
    secret_id: secretId,
    secret_key: toHex(sodiumCrypto.randomBytes(32)),
  };
}

function secretContent(sequence: number): string {
  return JSON.stringify({
    website_password_title: 'Site 0 login',
    website_password_url: 'https://site0.example.com/',
    website_password_username: 'user@example.com',
    website_password_password: `correct horse battery staple ${sequence}`,
    website_password_notes: '',
  });
}

export async function createBenchVault(
  session: Session,
  entries: number,
  description: string,
): Promise<BenchVault> {
  const userSecretKey = fromHex(session.secretKey);
  const datastoreKey = sodiumCrypto.randomBytes(32);
  const sealedKey = sodiumCrypto.secretboxSeal(toHex(datastoreKey), userSecretKey);
  const { datastore_id: datastoreId } = await session.call<{ datastore_id: string }>('PUT', '/datastore/', {
    type: 'password',
    description,
    secret_key: sealedKey.text,
    secret_key_nonce: sealedKey.nonce,
    is_default: false,
  });

  const secretKey = sodiumCrypto.randomBytes(32);
  const sealedSecret = sodiumCrypto.secretboxSeal(secretContent(0), secretKey);
  const { secret_id: secretId } = await session.call<{ secret_id: string }>('PUT', '/secret/', {
    data: sealedSecret.text,
    data_nonce: sealedSecret.nonce,
    link_id: randomUUID(),
    parent_datastore_id: datastoreId,
    callback_url: '',
    callback_user: '',
    callback_pass: '',
  });

  const items: Record<string, unknown>[] = [{ ...treeItem(0, secretId), secret_key: toHex(secretKey) }];
  for (let index = 1; index < entries; index++) items.push(treeItem(index, randomUUID()));
  const tree = JSON.stringify({ datastore_id: datastoreId, items, folders: [] });
  const sealedTree = sodiumCrypto.secretboxSeal(tree, datastoreKey);
  await session.call('POST', '/datastore/', {
    datastore_id: datastoreId,
    data: sealedTree.text,
    data_nonce: sealedTree.nonce,
  });

  const bytes: VaultBytes = {
    datastore: { id: datastoreId, data: sealedTree.text, data_nonce: sealedTree.nonce },
    secret: { id: secretId, data: sealedSecret.text, data_nonce: sealedSecret.nonce },
  };
  let writes = 0;
  const writeSecret = () => {
    const sealed = sodiumCrypto.secretboxSeal(secretContent(++writes), secretKey);
    return session.call('POST', '/secret/', {
      secret_id: secretId,
      data: sealed.text,
      data_nonce: sealed.nonce,
    });
  };
  return {
    bytes,
    treeBytes: Buffer.byteLength(tree),
    async read() {
      await session.call('GET', `/datastore/${datastoreId}/`);
      await session.call('GET', `/secret/${secretId}/`);
    },
    async write() {
      // The server refuses a nonce it has seen: the client seals the tree again for every write.
      const sealed = sodiumCrypto.secretboxSeal(tree, datastoreKey);
      await session.call('POST', '/datastore/', {
        datastore_id: datastoreId,
        data: sealed.text,
        data_nonce: sealed.nonce,
      });
      await writeSecret();
    },
    async small(sequence) {
      if (sequence % 2 === 0) await session.call('GET', `/secret/${secretId}/`);
      else await writeSecret();
    },
  };
}
