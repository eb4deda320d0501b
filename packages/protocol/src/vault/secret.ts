/** `/secret/`, `/secret/link/`, `/secret/history/<id>/`, `/history/<id>/` (Psono's shapes). */
import { z } from 'zod';
import { callbackPass, callbackUrl, callbackUser, cipherHex, nonceHex, vaultId } from './fields.ts';

/** `PUT /secret/`: exactly one parent, a datastore or a share. */
export const createSecretRequest = z
  .object({
    data: cipherHex.refine((text) => text.length >= 32, 'too short for a secretbox'),
    data_nonce: nonceHex.transform((nonce) => nonce.toLowerCase()),
    link_id: vaultId,
    parent_datastore_id: vaultId.nullish(),
    parent_share_id: vaultId.nullish(),
    callback_url: callbackUrl.nullish(),
    callback_user: callbackUser.nullish(),
    callback_pass: callbackPass.nullish(),
  })
  .strict();

export const createSecretReply = z.object({ secret_id: z.uuid() });

/** `POST /secret/`: absent fields keep their value; the previous version goes to the history. */
export const updateSecretRequest = z
  .object({
    secret_id: vaultId,
    data: cipherHex.refine((text) => text.length >= 32, 'too short for a secretbox').nullish(),
    data_nonce: nonceHex.transform((nonce) => nonce.toLowerCase()).nullish(),
    callback_url: callbackUrl.nullish(),
    callback_user: callbackUser.nullish(),
    callback_pass: callbackPass.nullish(),
  })
  .strict()
  .refine((body) => (body.data == null) === (body.data_nonce == null), {
    message: 'data and data_nonce go together',
    path: ['data_nonce'],
  });

export const readSecretReply = z.object({
  create_date: z.string(),
  write_date: z.string(),
  data: z.string(),
  data_nonce: z.string(),
  type: z.string().nullable(),
  read_count: z.number(),
  callback_url: z.string(),
  callback_user: z.string(),
  callback_pass: z.string(),
});

/** `POST /secret/link/`: move every secret of the link under a new parent. */
export const moveSecretLinkRequest = z
  .object({
    link_id: vaultId,
    new_parent_datastore_id: vaultId.nullish(),
    new_parent_share_id: vaultId.nullish(),
  })
  .strict();

/** `DELETE /secret/link/`. */
export const deleteSecretLinkRequest = z
  .object({
    link_id: vaultId,
    log_audit_title: z.string().max(1024).nullish(),
  })
  .strict();

export const secretHistoryReply = z.object({
  history: z.array(z.object({ id: z.uuid(), create_date: z.string(), username: z.string() })),
});

export const historyItemReply = readSecretReply.omit({ read_count: true });

export type CreateSecretRequest = z.infer<typeof createSecretRequest>;
export type UpdateSecretRequest = z.infer<typeof updateSecretRequest>;
export type MoveSecretLinkRequest = z.infer<typeof moveSecretLinkRequest>;
export type ReadSecretReply = z.infer<typeof readSecretReply>;
