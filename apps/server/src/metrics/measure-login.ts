/** Counts and times every login by how it ended, from the reply or the error the route produced. */
import { ApiError, type ApiErrorCode } from '../http/api-error.ts';
import type { LoginOutcome, ServerMetrics } from './server-metrics.ts';

const OUTCOME_OF: Partial<Record<ApiErrorCode, LoginOutcome>> = {
  USERNAME_OR_PASSWORD_WRONG: 'refused',
  TOO_MANY_LOGIN_ATTEMPTS: 'throttled',
  INVALID_REQUEST: 'bad_request',
  LOGIN_INFO_CANNOT_BE_DECRYPTED: 'bad_request',
  AUTHENTICATION_METHOD_NOT_ALLOWED: 'bad_request',
  REQUEST_TOO_LARGE: 'bad_request',
  DIRECTORY_UNAVAILABLE: 'directory_unavailable',
};

export function loginOutcomeOf(error: unknown): LoginOutcome {
  return (error instanceof ApiError && OUTCOME_OF[error.code]) || 'error';
}

export async function measureLogin(
  metrics: ServerMetrics,
  login: () => Promise<Response>,
): Promise<Response> {
  const started = performance.now();
  try {
    const reply = await login();
    metrics.loginFinished('success', (performance.now() - started) / 1000);
    return reply;
  } catch (error) {
    metrics.loginFinished(loginOutcomeOf(error), (performance.now() - started) / 1000);
    throw error;
  }
}
