import { SECRET_FIELD_NAMES } from '@ldap-login/config-schema';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';

function capture(): { lines: string[]; stream: { write(line: string): void } } {
  const lines: string[] = [];
  return { lines, stream: { write: (line: string) => lines.push(line) } };
}

describe('createLogger', () => {
  it.each(SECRET_FIELD_NAMES)('censors %s at the top of a record and two levels down', (name) => {
    const { lines, stream } = capture();
    const logger = createLogger('info', stream);
    logger.info(
      {
        [name]: 'secret-top',
        user: { [name]: 'secret-one-down', login: 'alice' },
        req: { headers: { [name]: 'secret-two-down' } },
      },
      'something happened',
    );
    expect(lines).toHaveLength(1);
    const record = JSON.parse(lines[0]!);
    expect(record[name]).toBe('[redacted]');
    expect(record.user).toEqual({ [name]: '[redacted]', login: 'alice' });
    expect(record.req.headers[name]).toBe('[redacted]');
    expect(lines[0]).not.toContain('secret-');
  });

  it('keeps fields that are not secrets', () => {
    const { lines, stream } = capture();
    createLogger('info', stream).info({ username: 'alice', reason: 'wrong-password' }, 'login refused');
    expect(JSON.parse(lines[0]!)).toMatchObject({
      username: 'alice',
      reason: 'wrong-password',
      msg: 'login refused',
    });
  });

  it('censors the bindings of a child logger', () => {
    const { lines, stream } = capture();
    const child = createLogger('info', stream).child({ password: 'secret-bound', component: 'syncldap' });
    child.child({ service_account: { token: 'secret-nested' } }).info('started');
    const record = JSON.parse(lines[0]!);
    expect(record).toMatchObject({ password: '[redacted]', component: 'syncldap', msg: 'started' });
    expect(record.service_account).toEqual({ token: '[redacted]' });
    expect(lines[0]).not.toContain('secret-');
  });

  it('still serializes errors with their message', () => {
    const { lines, stream } = capture();
    createLogger('info', stream).error({ err: new Error('disk full'), path: '/x' }, 'request failed');
    expect(JSON.parse(lines[0]!)).toMatchObject({ err: { type: 'Error', message: 'disk full' }, path: '/x' });
  });
});
