/**
 * Sharing (Psono's shapes, as its official client sends them): groups, memberships, shares, share
 * rights, share links, user search and the jobs that hand a group's keys to a forced member.
 * Every key arrives encrypted by a client; the server stores hex it cannot open.
 */
import { z } from 'zod';
import { lowerHex } from '../hex.ts';
import { cipherHex, keyCipherHex, nonceHex, storedText, vaultId } from './fields.ts';

/** Hex of an X25519 public key (32 bytes). */
export const publicKeyHex = z
  .string()
  .length(64)
  .regex(/^[0-9a-fA-F]*$/, 'must be hex')
  .transform((text) => text.toLowerCase());

/** An encrypted title or type of a share right: hex, bounded. */
const sealedLabel = cipherHex.refine((text) => text.length <= 4096, 'at most 4096 hex characters');
/** A nonce, lowercased so that equal nonces compare equal. */
const lowerNonce = nonceHex.transform(lowerHex);
const sealedLabelNonce = z.union([lowerNonce, z.literal('')]);
/** A share's encrypted content: at least a secretbox's tag and some bytes. */
const sealedData = cipherHex.refine((text) => text.length >= 32, 'too short for a secretbox');

/** How a key is encrypted: under the owner's secret key, or boxed from a group's key pair. */
export const keyTypes = ['symmetric', 'asymmetric'] as const;
export const keyType = z.enum(keyTypes);

/** A group's name, as shown to its members (plain text, like Psono's). */
export const groupName = storedText(64).pipe(z.string().trim().min(3, 'at least 3 characters'));

/** A group's keys as a client sends them: encrypted for one member (creator, invitee, newcomer). */
const sealedGroupKeys = z.object({
  secret_key: keyCipherHex,
  secret_key_nonce: lowerNonce,
  private_key: keyCipherHex,
  private_key_nonce: lowerNonce,
});

/** What a right allows on a share. */
export const shareRightsFlags = z.object({ read: z.boolean(), write: z.boolean(), grant: z.boolean() });

// --- /group/ ---------------------------------------------------------------------------------

/** `PUT /group/`: the creator's copy of the group's keys, under the creator's secret key. */
export const createGroupRequest = sealedGroupKeys
  .extend({ name: groupName, public_key: publicKeyHex })
  .strict();

/** `POST /group/`: rename (group admins only). */
export const updateGroupRequest = z.object({ group_id: vaultId, name: groupName }).strict();

/** `DELETE /group/` (group admins only). */
export const deleteGroupRequest = z.object({ group_id: vaultId }).strict();

const memberKeys = {
  secret_key: z.string(),
  secret_key_nonce: z.string(),
  secret_key_type: keyType,
  private_key: z.string(),
  private_key_nonce: z.string(),
  private_key_type: keyType,
};

/** A membership as the group's routes show it. */
const membershipView = z.object({
  membership_id: z.uuid(),
  membership_create_date: z.string(),
  name: z.string(),
  public_key: z.string(),
  group_admin: z.boolean(),
  share_admin: z.boolean(),
  accepted: z.boolean().nullable(),
});

/** The caller's own membership: whether it is forced, and their copy of the keys when they have one. */
const ownMembership = z.object({
  forced_membership: z.boolean(),
  ...z.object(memberKeys).partial().shape,
  user_id: z.string().optional(),
  user_username: z.string().optional(),
});

/** One entry of `GET /group/`: a membership the caller holds keys for (accepted or offered). */
export const groupSummary = membershipView.extend({
  group_id: z.uuid(),
  ...ownMembership.shape,
  share_right_grant: z.boolean().optional(),
});
export const listGroupsReply = z.object({ groups: z.array(groupSummary) });

export const groupMember = membershipView.extend({ id: z.uuid() });

/** A right on a share as the routes list it. */
const listedShareRight = shareRightsFlags.extend({
  id: z.uuid(),
  share_id: z.uuid(),
  expiration_date: z.null(),
});

export const groupShareRight = listedShareRight.extend({
  create_date: z.string(),
  title: z.string(),
  title_nonce: z.string(),
  type: z.string(),
  type_nonce: z.string(),
  key: z.string(),
  key_nonce: z.string(),
});

/** `GET /group/<id>/`: the group with members and shares once the caller's membership is accepted. */
export const readGroupReply = membershipView
  .pick({ name: true, public_key: true, group_admin: true, share_admin: true, accepted: true })
  .extend({
    group_id: z.uuid(),
    ...ownMembership.shape,
    members: z.array(groupMember).optional(),
    group_share_rights: z.array(groupShareRight).optional(),
  });

/** `GET /group/rights/[<id>/]`: the group share rights the caller reaches. */
export const groupRightsReply = z.object({
  group_rights: z.array(listedShareRight.extend({ group_id: z.uuid() })),
});

// --- /membership/ ----------------------------------------------------------------------------

/** `PUT /membership/`: an invitation, with the group's keys boxed for the invitee. */
export const createMembershipRequest = sealedGroupKeys
  .extend({
    group_id: vaultId,
    user_id: vaultId,
    secret_key_type: keyType,
    private_key_type: keyType,
    group_admin: z.boolean().nullish(),
    share_admin: z.boolean().nullish(),
  })
  .strict();
export const createMembershipReply = z.object({ membership_id: z.uuid() });

/** `POST /membership/`: a member's admin flags (group admins only). */
export const updateMembershipRequest = z
  .object({
    membership_id: vaultId,
    group_admin: z.boolean().nullish(),
    share_admin: z.boolean().nullish(),
  })
  .strict();

/** `DELETE /membership/`, `POST /membership/accept/`, `POST /membership/decline/`. */
export const membershipIdRequest = z.object({ membership_id: vaultId }).strict();

/** A share the group reaches, as `POST /membership/accept/` lists it (data only with read rights). */
export const acceptedGroupShare = z.object({
  share_id: z.uuid(),
  share_title: z.string(),
  share_title_nonce: z.string(),
  share_type: z.string(),
  share_type_nonce: z.string(),
  share_key: z.string(),
  share_key_nonce: z.string(),
  share_data: z.string().optional(),
  share_data_nonce: z.string().optional(),
});
export const acceptMembershipReply = z.object({
  shares: z.array(acceptedGroupShare),
  ...memberKeys,
});

// --- /share/ ---------------------------------------------------------------------------------

/** `POST /share/`: a new share placed under a datastore or a share (`link_id` names the place). */
export const createShareRequest = z
  .object({
    data: sealedData,
    data_nonce: lowerNonce,
    key: keyCipherHex,
    key_nonce: lowerNonce,
    key_type: z.literal('symmetric').nullish(),
    parent_share_id: vaultId.nullish(),
    parent_datastore_id: vaultId.nullish(),
    link_id: vaultId,
  })
  .strict();
export const createShareReply = z.object({ share_id: z.uuid() });

/** `PUT /share/`: new content of a share (write right). */
export const updateShareRequest = z
  .object({
    share_id: vaultId,
    data: sealedData,
    data_nonce: lowerNonce,
  })
  .strict();

/** `GET /share/<id>/` (read right). */
export const readShareReply = z.object({
  id: z.uuid(),
  data: z.string(),
  data_nonce: z.string(),
  user_id: z.uuid(),
  rights: shareRightsFlags,
  write_date: z.string(),
});

/** `GET /share/`: the caller's own share rights, offered and accepted. */
export const listSharesReply = z.object({
  shares: z.array(
    z.object({
      id: z.uuid(),
      share_right_id: z.uuid(),
      share_right_user_id: z.uuid(),
      share_right_title: z.string(),
      share_right_title_nonce: z.string(),
      share_right_type: z.string(),
      share_right_type_nonce: z.string(),
      share_right_key: z.string(),
      share_right_key_nonce: z.string(),
      share_right_key_type: z.string(),
      share_right_read: z.boolean(),
      share_right_write: z.boolean(),
      share_right_grant: z.boolean(),
      share_right_accepted: z.boolean().nullable(),
      share_right_create_date: z.string(),
      share_right_write_date: z.string(),
      share_right_expiration_date: z.null(),
      share_right_create_user_id: z.string(),
      share_right_create_user_username: z.string(),
      share_right_create_user_public_key: z.string(),
    }),
  ),
});

// --- /share/right/, /share/rights/<id>/ ------------------------------------------------------

/** Whose right on which share: exactly one of `user_id` and `group_id` (the server checks which). */
const rightHolder = z.object({
  share_id: vaultId,
  user_id: vaultId.nullish(),
  group_id: vaultId.nullish(),
});

/** `PUT /share/right/`: a right for one user or one group (grant right on the share). */
export const createShareRightRequest = shareRightsFlags
  .extend({
    title: sealedLabel,
    title_nonce: sealedLabelNonce,
    type: sealedLabel.nullish(),
    type_nonce: sealedLabelNonce.nullish(),
    ...rightHolder.shape,
    key: keyCipherHex,
    key_nonce: lowerNonce,
  })
  .strict();
export const createShareRightReply = z.object({ share_right_id: z.uuid() });

/** `POST /share/right/`: new flags of the right of `user_id` or `group_id` on the share. */
export const updateShareRightRequest = shareRightsFlags.extend(rightHolder.shape).strict();

/** `DELETE /share/right/`: exactly one of the two ids. */
export const deleteShareRightRequest = z
  .object({
    user_share_right_id: vaultId.nullish(),
    group_share_right_id: vaultId.nullish(),
  })
  .strict();

/** `POST /share/right/accept/`: the share key re-encrypted under the accepting user's secret key. */
export const acceptShareRightRequest = z
  .object({
    share_right_id: vaultId,
    key: keyCipherHex.nullish(),
    key_nonce: lowerNonce.nullish(),
    key_type: z.literal('symmetric').nullish(),
  })
  .strict();
export const acceptShareRightReply = z.object({
  share_id: z.uuid(),
  share_type: z.string(),
  share_type_nonce: z.string(),
  share_data: z.string().optional(),
  share_data_nonce: z.string().optional(),
});

export const declineShareRightRequest = z.object({ share_right_id: vaultId }).strict();

/** `GET /share/rights/<id>/`: every right on a share (any right of the caller on it). */
export const shareRightsReply = z.object({
  id: z.uuid(),
  own_share_rights: shareRightsFlags,
  user_share_rights: z.array(
    listedShareRight.extend({
      create_date: z.string(),
      write_date: z.string(),
      accepted: z.boolean().nullable(),
      user_id: z.uuid(),
      username: z.string(),
    }),
  ),
  group_share_rights: z.array(
    listedShareRight.extend({
      create_date: z.string(),
      write_date: z.string(),
      accepted: z.literal(true),
      group_id: z.uuid(),
      group_name: z.string(),
    }),
  ),
});

// --- /share/link/ ----------------------------------------------------------------------------

/** `PUT /share/link/`: places a share under a datastore or another share. */
export const createShareLinkRequest = z
  .object({
    link_id: vaultId,
    share_id: vaultId,
    parent_share_id: vaultId.nullish(),
    parent_datastore_id: vaultId.nullish(),
  })
  .strict();

/** `POST /share/link/`: moves the placement. */
export const moveShareLinkRequest = z
  .object({
    link_id: vaultId,
    new_parent_share_id: vaultId.nullish(),
    new_parent_datastore_id: vaultId.nullish(),
  })
  .strict();

/** `DELETE /share/link/`. */
export const deleteShareLinkRequest = z.object({ link_id: vaultId }).strict();

// --- /user/search/ ---------------------------------------------------------------------------

/** `POST /user/search/`: by id, exact username or exact e-mail. */
export const userSearchRequest = z
  .object({
    user_id: vaultId.nullish(),
    user_username: storedText(256).nullish(),
    user_email: storedText(256).nullish(),
  })
  .strict();
export const foundUser = z.object({
  id: z.uuid(),
  public_key: z.string(),
  username: z.string(),
  avatar_id: z.null(),
});
export const userSearchReply = z.union([foundUser, z.array(foundUser)]);

// --- /job/ -----------------------------------------------------------------------------------

/**
 * One forced membership that lacks the group's keys, offered to a member who holds them: that
 * member's own copy of the keys (to open them) and the newcomer's public key (to box them for it).
 */
export const membershipMissingGroupSecretJob = z.object({
  group_id: z.uuid(),
  missing_user_membership_id: z.uuid(),
  missing_user_user_id: z.uuid(),
  missing_user_public_key: z.string(),
  ...memberKeys,
  /** The group's public key: what the holder's asymmetric copy was boxed with. */
  public_key: z.string(),
});

/** `GET /job/`. Staff (server administrators acting in the vault) do not exist here: always empty. */
export const jobsReply = z.object({
  memberships_missing_group_secrets: z.array(membershipMissingGroupSecretJob),
  staff_missing_group_secrets: z.array(z.never()),
});

/** `POST /job/membership-missing-group-secret/`: the keys a holder's client boxed for the newcomer. */
export const membershipMissingGroupSecretRequest = sealedGroupKeys
  .extend({ membership_id: vaultId })
  .strict();

export type CreateGroupRequest = z.infer<typeof createGroupRequest>;
export type CreateMembershipRequest = z.infer<typeof createMembershipRequest>;
export type CreateShareRequest = z.infer<typeof createShareRequest>;
export type CreateShareRightRequest = z.infer<typeof createShareRightRequest>;
export type ListGroupsReply = z.infer<typeof listGroupsReply>;
export type ReadGroupReply = z.infer<typeof readGroupReply>;
export type GroupRightsReply = z.infer<typeof groupRightsReply>;
export type AcceptMembershipReply = z.infer<typeof acceptMembershipReply>;
export type ReadShareReply = z.infer<typeof readShareReply>;
export type ListSharesReply = z.infer<typeof listSharesReply>;
export type ShareRightsReply = z.infer<typeof shareRightsReply>;
export type AcceptShareRightReply = z.infer<typeof acceptShareRightReply>;
export type FoundUser = z.infer<typeof foundUser>;
export type JobsReply = z.infer<typeof jobsReply>;
export type MembershipMissingGroupSecretJob = z.infer<typeof membershipMissingGroupSecretJob>;
