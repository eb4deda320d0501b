/** `GET /authentication/sessions/` and `POST /authentication/logout/` (both encrypted). */
import { z } from 'zod';

export const sessionSummarySchema = z.object({
  id: z.string(),
  create_date: z.string(),
  valid_till: z.string(),
  device_description: z.string(),
  device_fingerprint: z.string(),
  current_session: z.boolean(),
  /** false until the login's token was activated */
  active: z.boolean(),
});

export const sessionsReplySchema = z.object({ sessions: z.array(sessionSummarySchema) });

export type SessionSummary = z.infer<typeof sessionSummarySchema>;
export type SessionsReply = z.input<typeof sessionsReplySchema>;

/** Ends the caller's session, or another live session of the same user given by id. */
export const logoutRequestSchema = z
  .object({
    session_id: z.uuid().nullish(),
    post_logout_redirect_uri: z.string().max(2048).nullish(),
  })
  .strict();

export type LogoutRequest = z.input<typeof logoutRequestSchema>;

/** The reply of calls that only confirm (`logout`, `PUT /user/update/`). */
export const emptyReplySchema = z.object({}).strict();

export type EmptyReply = z.input<typeof emptyReplySchema>;
