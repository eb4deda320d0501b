import type { IncomingMessage, ServerResponse } from 'node:http';
import type { UserRow } from '../accounts/account-service.ts';
import type { SessionRow } from '../sessions/session-store.ts';

/** Hono environment of the API: the Node request (for the peer address) and per-request state. */
export interface AppEnv {
  Bindings: {
    incoming?: Pick<IncomingMessage, 'socket'> | IncomingMessage;
    /** Node's reply (behind @hono/node-server; absent under `app.request()`). */
    outgoing?: ServerResponse;
  };
  Variables: {
    clientAddress: string;
    /** The client reached the server over https (its own TLS, or a trusted proxy says so). */
    https: boolean;
    /** Set once the request's token has been found: from then on, replies are encrypted. */
    session?: SessionRow;
    /** The session's account, read with the session. */
    user?: UserRow;
    sessionKey?: Uint8Array;
    /** The body's Content-Length, once `limitBodySize` has found it within the route's limit. */
    checkedBodyLength?: number;
  };
}
