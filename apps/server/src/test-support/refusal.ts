import { ApiError } from '@ldap-login/protocol';
import { expect } from 'vitest';

/**
 * The status and code of a refused API call; fails the test when the call succeeded or failed
 * with something other than an `ApiError`.
 */
export async function refusal(
  promise: Promise<unknown>,
): Promise<{ status: number; code: string | undefined }> {
  const outcome = await promise.then(
    (reply) => ({ reply }),
    (caught: unknown) => ({ caught }),
  );
  if ('reply' in outcome) {
    throw new Error(`expected a refusal, the call succeeded: ${JSON.stringify(outcome.reply)}`);
  }
  expect(outcome.caught).toBeInstanceOf(ApiError);
  const { status, code } = outcome.caught as ApiError;
  return { status, code };
}
