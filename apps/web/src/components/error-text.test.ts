import { describe, expect, it } from 'vitest';
import { ClientError } from '../api/client-error.ts';
import { errorText, formatWait } from './error-text.ts';

describe('error texts', () => {
  it('formats waits the way people say them', () => {
    expect(formatWait(1)).toBe('1 second');
    expect(formatWait(45)).toBe('45 seconds');
    expect(formatWait(61)).toBe('2 minutes');
    expect(formatWait(3600)).toBe('1 hour');
    expect(formatWait(3900)).toBe('1 hour 5 minutes');
  });

  it('never shows the technical detail to the user', () => {
    const text = errorText(new ClientError('MALFORMED_RESPONSE', { detail: 'login data: token missing' }));
    expect(text.message).not.toContain('token missing');
    expect(errorText(new ClientError('THROTTLED', { retryAfterSeconds: 30 })).message).toContain(
      '30 seconds',
    );
    expect(errorText(new Error('boom')).title).toBe('Something went wrong');
  });
});
