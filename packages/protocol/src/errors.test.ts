import { describe, expect, it } from 'vitest';
import { API_ERRORS, ApiError, errorBody, errorBodySchema } from './errors.ts';

describe('ApiError', () => {
  it('takes its status from the code and keeps the reason out of the body', () => {
    const error = new ApiError('USERNAME_OR_PASSWORD_WRONG', 'EMPTY_PASSWORD');
    expect(error.status).toBe(400);
    expect(error.message).toBe('USERNAME_OR_PASSWORD_WRONG: EMPTY_PASSWORD');
    expect(errorBody(error.code)).toEqual({ non_field_errors: ['USERNAME_OR_PASSWORD_WRONG'] });
    expect(errorBodySchema.parse(errorBody(error.code))).toEqual(errorBody(error.code));
  });

  it.each(Object.entries(API_ERRORS))('reads back %s from its reply', (code, status) => {
    const error = ApiError.fromReply(status, { non_field_errors: [code] }, '7');
    expect(error.code).toBe(code);
    expect(error.status).toBe(status);
    expect(error.retryAfterSeconds).toBe(7);
  });

  it('falls back to the status for unknown codes, mismatched statuses and bodies that are not errors', () => {
    expect(ApiError.fromReply(429, undefined).code).toBe('TOO_MANY_LOGIN_ATTEMPTS');
    expect(ApiError.fromReply(503, '<html>').code).toBe('DIRECTORY_UNAVAILABLE');
    expect(ApiError.fromReply(401, { non_field_errors: ['SOMETHING_NEW'] }).code).toBe('TOKEN_INVALID');
    expect(ApiError.fromReply(500, { non_field_errors: ['USERNAME_OR_PASSWORD_WRONG'] }).code).toBe(
      'INTERNAL_ERROR',
    );
    expect(ApiError.fromReply(400, { detail: 'x' }).code).toBe('INVALID_REQUEST');
    expect(ApiError.fromReply(400, { non_field_errors: ['SOMETHING_NEW'] }).reason).toBe(
      'HTTP 400 SOMETHING_NEW',
    );
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const at = new Date(Date.now() + 90_000).toUTCString();
    const seconds = new ApiError('TOO_MANY_LOGIN_ATTEMPTS', undefined, { 'Retry-After': at })
      .retryAfterSeconds;
    expect(seconds).toBeGreaterThanOrEqual(89);
    expect(seconds).toBeLessThanOrEqual(91);
    expect(
      new ApiError('TOO_MANY_LOGIN_ATTEMPTS', undefined, { 'Retry-After': 'soon' }).retryAfterSeconds,
    ).toBe(undefined);
    expect(new ApiError('TOO_MANY_LOGIN_ATTEMPTS').retryAfterSeconds).toBe(undefined);
  });
});
