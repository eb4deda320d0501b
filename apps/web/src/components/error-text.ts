import type { ClientErrorCode } from '../api/client-error.ts';
import { ClientError } from '../api/client-error.ts';
import { type MessageKey, t } from '../i18n/i18n.ts';

/** "45 seconds", "2 minutes", "1 hour 5 minutes": the wait a throttled user is told. */
export function formatWait(seconds: number): string {
  const unit = (n: number, one: MessageKey, many: MessageKey) => t(n === 1 ? one : many, { n });
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 60) return unit(s, 'time.second', 'time.seconds');
  const minutes = Math.ceil(s / 60);
  if (minutes < 60) return unit(minutes, 'time.minute', 'time.minutes');
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return `${unit(hours, 'time.hour', 'time.hours')}${rest ? ` ${unit(rest, 'time.minute', 'time.minutes')}` : ''}`;
}

export interface ErrorText {
  title: string;
  message: string;
  /** a blocking problem the user should not work around (identity changed) */
  severe?: boolean;
}

/** Codes whose warning blocks the sign-in: the user should not work around them. */
const SEVERE: readonly ClientErrorCode[] = ['IDENTITY_CHANGED', 'BAD_SIGNATURE'];

function textFor(code: Exclude<ClientErrorCode, 'THROTTLED'>): ErrorText {
  const text: ErrorText = {
    title: t(`error.${code}.title` as MessageKey),
    message: t(`error.${code}.message` as MessageKey),
  };
  if (SEVERE.includes(code)) text.severe = true;
  return text;
}

export function errorText(error: unknown, secondsLeft?: number): ErrorText {
  if (error instanceof ClientError) {
    if (error.code === 'THROTTLED') {
      const wait = secondsLeft ?? error.retryAfterSeconds;
      return {
        title: t('error.THROTTLED.title'),
        message:
          wait !== undefined && wait > 0
            ? t('error.THROTTLED.wait', { wait: formatWait(wait) })
            : t('error.THROTTLED.message'),
      };
    }
    return textFor(error.code);
  }
  return textFor('SERVER_ERROR');
}
