import type { ClientErrorCode } from '../api/client-error.ts';
import { ClientError } from '../api/client-error.ts';

/** "45 seconds", "2 minutes", "1 hour 5 minutes": the wait a throttled user is told. */
export function formatWait(seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 60) return `${s} second${s === 1 ? '' : 's'}`;
  const minutes = Math.ceil(s / 60);
  if (minutes < 60) return `${minutes} minute${minutes === 1 ? '' : 's'}`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return `${hours} hour${hours === 1 ? '' : 's'}${rest ? ` ${rest} minute${rest === 1 ? '' : 's'}` : ''}`;
}

export interface ErrorText {
  title: string;
  message: string;
  /** a blocking problem the user should not work around (identity changed) */
  severe?: boolean;
}

const TEXTS: Record<Exclude<ClientErrorCode, 'THROTTLED'>, ErrorText> = {
  WRONG_CREDENTIALS: {
    title: 'Sign-in failed',
    message: 'The username or password is incorrect. Check both and try again.',
  },
  SERVER_OFFLINE: {
    title: 'Server unreachable',
    message: 'The server cannot be reached. Check your network connection, or try again in a moment.',
  },
  DIRECTORY_UNAVAILABLE: {
    title: 'Directory unavailable',
    message:
      'The company directory is not answering right now, so your password cannot be checked. Please try again in a few minutes.',
  },
  MALFORMED_RESPONSE: {
    title: 'Unexpected answer',
    message:
      'The server sent an answer this page cannot read. Try again later; if it persists, tell your administrator.',
  },
  IDENTITY_CHANGED: {
    title: 'Server identity changed',
    message:
      'This server presents a different identity key than the one trusted before. This can mean that someone is intercepting the connection. Do not sign in; contact your administrator.',
    severe: true,
  },
  BAD_SIGNATURE: {
    title: 'Server identity not proven',
    message:
      'The server could not prove its identity: its signature does not match. Nothing was sent. Contact your administrator.',
    severe: true,
  },
  PLAIN_PASSWORD_DECLINED: {
    title: 'Password not sent',
    message:
      'You chose not to send your password. A directory (LDAP) sign-in needs the server to check your password with the directory, so it cannot succeed without it.',
  },
  IDENTITY_DECLINED: {
    title: 'Server not trusted',
    message: 'You did not confirm the server’s identity, so nothing was sent to it.',
  },
  LDAP_NOT_OFFERED: {
    title: 'Directory sign-in not available',
    message: 'This server does not accept directory (LDAP) sign-ins. Contact your administrator.',
  },
  KEYS_LOCKED: {
    title: 'Account not unlocked',
    message:
      'Your account could not be unlocked without your previous password. Nothing was changed; sign in again when you have it.',
  },
  SESSION_EXPIRED: {
    title: 'Signed out',
    message: 'Your session has ended. Please sign in again.',
  },
  SERVER_ERROR: {
    title: 'Something went wrong',
    message: 'The server could not complete the sign-in. Please try again later.',
  },
};

export function errorText(error: unknown, secondsLeft?: number): ErrorText {
  if (error instanceof ClientError) {
    if (error.code === 'THROTTLED') {
      const wait = secondsLeft ?? error.retryAfterSeconds;
      return {
        title: 'Too many attempts',
        message:
          wait !== undefined && wait > 0
            ? `Too many sign-in attempts. Please wait ${formatWait(wait)} before trying again.`
            : 'Too many sign-in attempts. Please wait a little before trying again.',
      };
    }
    return TEXTS[error.code];
  }
  return TEXTS.SERVER_ERROR;
}
