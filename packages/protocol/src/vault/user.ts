/** The user-level calls the vault screens make: status, share rights, avatar, server secret. */
import { z } from 'zod';

/** `GET /user/status/`, polled by the official client every 30 seconds. */
export const userStatusReply = z.object({
  unaccepted_shares_count: z.number().int(),
  unaccepted_groups_count: z.number().int(),
  unaccepted_forced_groups_count: z.number().int(),
  last_security_report_created: z.string(),
});

/** `GET /share/right/`: the caller's rights per share (own and through accepted group memberships). */
export const shareRightsOverviewReply = z.object({
  share_rights: z.array(
    z.object({ share_id: z.uuid(), read: z.boolean(), write: z.boolean(), grant: z.boolean() }),
  ),
});

/** `GET /avatar/`. */
export const avatarsReply = z.object({ avatars: z.array(z.object({ id: z.uuid() })) });

/** `COMPLIANCE_SERVER_SECRETS`: who has a server-kept copy of their keys (Psono's modes). */
export const serverSecretsModes = ['auto', 'noone', 'all'] as const;
export type ServerSecretsMode = (typeof serverSecretsModes)[number];

/** `POST /server-secret/`: the client hands over its opened keys (hex) to be kept by the server. */
export const createServerSecretRequest = z
  .object({
    secret_key: z
      .string()
      .length(64)
      .regex(/^[0-9a-fA-F]*$/),
    private_key: z
      .string()
      .length(64)
      .regex(/^[0-9a-fA-F]*$/),
  })
  .strict();

export type UserStatusReply = z.infer<typeof userStatusReply>;
