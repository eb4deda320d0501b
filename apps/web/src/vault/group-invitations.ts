/**
 * Group memberships offered to the user. Accepting one (`POST /membership/accept/`) returns the
 * group's keys for the user and the shares the group reaches, each share's key sealed under the
 * group's secret key; those shares are then placed in the datastore, as Psono's client does.
 */
import {
  type CryptoBackend,
  DecryptionError,
  fromHex,
  type ListGroupsReply,
  openGroupKey,
} from '@ldap-login/protocol';
import type { VaultClient } from '../api/vault-client.ts';
import { newId, openKey, VaultFormatError } from './datastore-codec.ts';
import { openShare, type ShareNode } from './share-codec.ts';
import type { OpenedKeys } from './vault-keys.ts';

type InvitationCrypto = Pick<
  CryptoBackend,
  'boxOpen' | 'boxSeal' | 'secretboxOpen' | 'secretboxSeal' | 'randomBytes'
>;

export interface GroupInvitation {
  membershipId: string;
  groupId: string;
  name: string;
  /** the group's public key: what its keys were boxed with */
  publicKey: string;
  /** who invited the user ('' for a membership the directory gave) */
  from: string;
}

export function pendingInvitations(groups: ListGroupsReply['groups']): GroupInvitation[] {
  return groups
    .filter((group) => group.accepted === null)
    .map((group) => ({
      membershipId: group.membership_id,
      groupId: group.group_id,
      name: group.name,
      publicKey: group.public_key,
      from: group.user_username ?? '',
    }));
}

/** Accepts the invitation; returns the group's shares as nodes to place in the datastore. */
export async function acceptInvitation(
  crypto: InvitationCrypto,
  client: Pick<VaultClient, 'acceptMembership'>,
  invitation: GroupInvitation,
  keys: OpenedKeys,
): Promise<{ node: ShareNode; kind: 'folder' | 'item' }[]> {
  const accepted = await client.acceptMembership(invitation.membershipId);
  let groupSecret: string;
  try {
    groupSecret = openGroupKey(
      crypto,
      { text: accepted.secret_key, nonce: accepted.secret_key_nonce },
      accepted.secret_key_type,
      invitation.publicKey,
      keys,
    );
  } catch (error) {
    if (error instanceof DecryptionError) throw new VaultFormatError('the key does not decrypt');
    throw error;
  }
  const openLabel = (text: string, nonce: string): string | undefined => {
    if (text === '' || nonce === '') return undefined;
    try {
      return crypto.secretboxOpen({ text, nonce }, fromHex(groupSecret));
    } catch {
      return undefined;
    }
  };
  return accepted.shares.map((share) => {
    const shareKey = openKey(crypto, { text: share.share_key, nonce: share.share_key_nonce }, groupSecret);
    const content =
      share.share_data && share.share_data_nonce
        ? openShare(crypto, { text: share.share_data, nonce: share.share_data_nonce }, shareKey)
        : {};
    const name =
      typeof content.name === 'string' ? content.name : openLabel(share.share_title, share.share_title_nonce);
    let type = typeof content.type === 'string' ? content.type : undefined;
    if (type === undefined) {
      const label = openLabel(share.share_type, share.share_type_nonce);
      if (label !== undefined && label !== 'folder') type = label;
    }
    const node = {
      ...content,
      ...(name === undefined ? {} : { name }),
      ...(type === undefined ? {} : { type }),
      id: newId(),
      share_id: share.share_id,
      share_secret_key: shareKey,
    } as ShareNode;
    return { node, kind: type === undefined ? 'folder' : 'item' };
  });
}
