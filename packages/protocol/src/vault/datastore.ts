/** `/datastore/`: the user's datastores (Psono's shapes: its `api-client.js` and `DatastoreView`). */
import { z } from 'zod';
import { cipherHex, keyCipherHex, nonceHex, storedText, vaultId } from './fields.ts';

/** `PUT /datastore/`: `data` is empty for a new datastore (the client writes it afterwards). */
export const createDatastoreRequest = z
  .object({
    type: storedText(64).pipe(z.string().trim().min(1)),
    description: storedText(64),
    data: cipherHex.nullish(),
    data_nonce: z.union([nonceHex, z.literal('')]).nullish(),
    secret_key: keyCipherHex,
    secret_key_nonce: nonceHex,
    is_default: z.boolean().nullish(),
  })
  .strict();

export const createDatastoreReply = z.object({ datastore_id: z.uuid() });

/** `POST /datastore/`: absent fields keep their value. */
export const updateDatastoreRequest = z
  .object({
    datastore_id: vaultId,
    data: cipherHex.nullish(),
    data_nonce: nonceHex.nullish(),
    secret_key: keyCipherHex.nullish(),
    secret_key_nonce: nonceHex.nullish(),
    description: storedText(64).nullish(),
    is_default: z.boolean().nullish(),
    /** When given, the write happens only if the datastore still has this write date. */
    old_write_date: z.iso.datetime({ offset: true }).nullish(),
  })
  .strict();

export const updateDatastoreReply = z.object({ success: z.string(), write_date: z.string() });

/**
 * `DELETE /datastore/`: proof of the password. Psono's client sends the authkey (derived from the
 * typed password); a client that has the password itself may send `password` instead, which the
 * server checks against the directory. Exactly one of the two.
 */
export const deleteDatastoreRequest = z
  .object({
    datastore_id: vaultId,
    authkey: z
      .string()
      .length(128)
      .regex(/^[0-9a-fA-F]*$/)
      .nullish(),
    password: z.string().min(1).max(4096).nullish(),
  })
  .strict()
  .refine((body) => (body.authkey == null) !== (body.password == null), {
    message: 'send either authkey or password',
    path: ['authkey'],
  });

export const datastoreSummary = z.object({
  id: z.uuid(),
  type: z.string(),
  description: z.string(),
  is_default: z.boolean(),
});

export const listDatastoresReply = z.object({ datastores: z.array(datastoreSummary) });

export const readDatastoreReply = z.object({
  data: z.string(),
  data_nonce: z.string(),
  type: z.string(),
  description: z.string(),
  secret_key: z.string(),
  secret_key_nonce: z.string(),
  is_default: z.boolean(),
  write_date: z.string(),
});

export type CreateDatastoreRequest = z.infer<typeof createDatastoreRequest>;
export type UpdateDatastoreRequest = z.infer<typeof updateDatastoreRequest>;
export type DeleteDatastoreRequest = z.infer<typeof deleteDatastoreRequest>;
export type ReadDatastoreReply = z.infer<typeof readDatastoreReply>;
export type ListDatastoresReply = z.infer<typeof listDatastoresReply>;
