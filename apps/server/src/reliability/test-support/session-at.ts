import { ProtocolClient, Session } from '../../test-support/protocol-client.ts';

/** The same session (token and secret) used against another server, a replica or a restarted one. */
export function sessionAt(api: string, session: Session): Session {
  return new Session(
    ProtocolClient.forUrl(api),
    session.token,
    session.sessionSecret,
    session.deviceFingerprint,
    session.user,
    session.validTill,
  );
}
