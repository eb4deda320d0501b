/**
 * Shares offered to the user (Psono's pending share rights): the offer's key and title are boxed
 * for the user by whoever offered it. Accepting re-seals the key under the user's secret key
 * (`POST /share/right/accept/`), and the share is then placed in the datastore as a node carrying
 * `share_id` and `share_secret_key`, linked with `PUT /share/link/`, as Psono's client does.
 */
import { type CryptoBackend, fromHex, type ListSharesReply } from '@ldap-login/protocol';
import type { VaultClient } from '../api/vault-client.ts';
import { newId, sealKey } from './datastore-codec.ts';
import { openShare, type ShareNode } from './share-codec.ts';
import type { OpenedKeys } from './vault-keys.ts';

type OfferCrypto = Pick<CryptoBackend, 'boxOpen' | 'secretboxOpen' | 'secretboxSeal' | 'randomBytes'>;

export interface ShareOffer {
  shareRightId: string;
  shareId: string;
  /** the title the offering user gave it ('' when it does not open) */
  title: string;
  from: string;
  read: boolean;
  write: boolean;
  grant: boolean;
  /** what opens the boxed key and labels: the offering user's public key */
  creatorPublicKey: string;
  key: { text: string; nonce: string };
}

function openBoxed(crypto: OfferCrypto, text: string, nonce: string, theirPublic: string, keys: OpenedKeys) {
  return crypto.boxOpen({ text, nonce }, fromHex(theirPublic), fromHex(keys.privateKey));
}

/** The offers not yet accepted or declined, with their titles opened. */
export function pendingOffers(
  crypto: OfferCrypto,
  rights: ListSharesReply['shares'],
  keys: OpenedKeys,
): ShareOffer[] {
  return rights
    .filter((right) => right.share_right_accepted === null)
    .map((right) => {
      let title = '';
      try {
        title = openBoxed(
          crypto,
          right.share_right_title,
          right.share_right_title_nonce,
          right.share_right_create_user_public_key,
          keys,
        );
      } catch {
        // an offer without a readable title is still shown, by who offered it
      }
      return {
        shareRightId: right.share_right_id,
        shareId: right.id,
        title,
        from: right.share_right_create_user_username,
        read: right.share_right_read,
        write: right.share_right_write,
        grant: right.share_right_grant,
        creatorPublicKey: right.share_right_create_user_public_key,
        key: { text: right.share_right_key, nonce: right.share_right_key_nonce },
      };
    });
}

/**
 * Accepts the offer and returns the node that stands for the share in the datastore (a new id,
 * the share's key; a folder unless the share says it is an entry).
 */
export async function acceptOffer(
  crypto: OfferCrypto,
  client: Pick<VaultClient, 'acceptShareRight'>,
  offer: ShareOffer,
  keys: OpenedKeys,
): Promise<{ node: ShareNode; kind: 'folder' | 'item' }> {
  const shareKey = openBoxed(crypto, offer.key.text, offer.key.nonce, offer.creatorPublicKey, keys);
  const sealed = sealKey(crypto, shareKey, keys.secretKey);
  const accepted = await client.acceptShareRight({
    share_right_id: offer.shareRightId,
    key: sealed.text,
    key_nonce: sealed.nonce,
    key_type: 'symmetric',
  });
  const content =
    accepted.share_data && accepted.share_data_nonce
      ? openShare(crypto, { text: accepted.share_data, nonce: accepted.share_data_nonce }, shareKey)
      : {};
  let type = typeof content.type === 'string' ? content.type : undefined;
  if (type === undefined && accepted.share_type) {
    try {
      const sealedType = openBoxed(
        crypto,
        accepted.share_type,
        accepted.share_type_nonce,
        offer.creatorPublicKey,
        keys,
      );
      if (sealedType !== 'folder') type = sealedType;
    } catch {
      // no readable type: a folder, as Psono's client assumes
    }
  }
  const name = typeof content.name === 'string' ? content.name : offer.title;
  const node = {
    ...content,
    name,
    ...(type === undefined ? {} : { type }),
    id: newId(),
    share_id: offer.shareId,
    share_secret_key: shareKey,
  } as ShareNode;
  return { node, kind: type === undefined ? 'folder' : 'item' };
}
