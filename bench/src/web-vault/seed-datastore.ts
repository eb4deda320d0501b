/**
 * A user's default password datastore filled with many website passwords, written over the API in
 * Psono's format (the one both web clients read): each entry a secret of its own under its own key,
 * the tree of folders and items sealed under the datastore's key, that key under the user's.
 */
import { randomUUID } from 'node:crypto';
import { toHex } from '@ldap-login/protocol';
import { sodiumCrypto } from '@ldap-login/protocol/node';
import type { Session } from '@ldap-login/server/testing';

export interface SeedOptions {
  entries: number;
  /** items are spread over this many top-level folders */
  folders: number;
  /** secrets written at once */
  concurrency: number;
}

interface TreeItem {
  id: string;
  name: string;
  type: 'website_password';
  description: string;
  urlfilter: string;
  secret_id: string;
  secret_key: string;
}

/** The title of entry `n` (1-based): "Entry 0042"; the bench searches for these. */
export function entryTitle(n: number): string {
  return `Entry ${String(n).padStart(4, '0')}`;
}

function sealJson(value: unknown, keyHex: string) {
  return sodiumCrypto.secretboxSeal(JSON.stringify(value), Buffer.from(keyHex, 'hex'));
}

/** Writes `entries` secrets and one default datastore holding them; resolves to the datastore's id. */
export async function seedDatastore(session: Session, options: SeedOptions): Promise<string> {
  const datastoreKey = toHex(sodiumCrypto.randomBytes(32));
  // The datastore has to exist before its secrets link to it: created empty, filled at the end.
  const empty = sealJson({ folders: [], items: [] }, datastoreKey);
  const sealedKey = sodiumCrypto.secretboxSeal(datastoreKey, Buffer.from(session.secretKey, 'hex'));
  const { datastore_id: id } = await session.call<{ datastore_id: string }>('PUT', '/datastore/', {
    type: 'password',
    description: 'default',
    data: empty.text,
    data_nonce: empty.nonce,
    is_default: true,
    secret_key: sealedKey.text,
    secret_key_nonce: sealedKey.nonce,
  });
  const items: TreeItem[] = new Array(options.entries);
  let next = 0;
  const writeOne = async (index: number) => {
    const n = index + 1;
    const host = `service-${n}.example.org`;
    const fields = {
      website_password_title: entryTitle(n),
      website_password_url: `https://${host}/login`,
      website_password_username: `user${n}`,
      website_password_password: toHex(sodiumCrypto.randomBytes(12)),
      website_password_notes: '',
      website_password_auto_submit: false,
      website_password_url_filter: host,
    };
    const secretKey = toHex(sodiumCrypto.randomBytes(32));
    const sealed = sealJson(fields, secretKey);
    const linkId = randomUUID();
    const { secret_id } = await session.call<{ secret_id: string }>('PUT', '/secret/', {
      data: sealed.text,
      data_nonce: sealed.nonce,
      link_id: linkId,
      parent_datastore_id: id,
      callback_url: '',
      callback_user: '',
      callback_pass: '',
    });
    items[index] = {
      id: linkId,
      name: fields.website_password_title,
      type: 'website_password',
      description: fields.website_password_username,
      urlfilter: host,
      secret_id,
      secret_key: secretKey,
    };
  };
  const workers = Array.from({ length: options.concurrency }, async () => {
    for (let index = next++; index < options.entries; index = next++) await writeOne(index);
  });
  await Promise.all(workers);

  const perFolder = Math.ceil(options.entries / options.folders);
  const folders = Array.from({ length: options.folders }, (_, f) => ({
    id: randomUUID(),
    name: `Folder ${f + 1}`,
    items: items.slice(f * perFolder, (f + 1) * perFolder),
  }));
  const tree = sealJson({ datastore_id: id, folders, items: [] }, datastoreKey);
  await session.call('POST', '/datastore/', { datastore_id: id, data: tree.text, data_nonce: tree.nonce });
  return id;
}
