import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createFakeServer, type FakeServer } from '../test-support/fake-server.ts';
import { ClientError } from './client-error.ts';
import { type LoginPrompts, type LoginRequest, type LoginServer, login } from './login.ts';
import { fetchProfile, fetchSessions, logout } from './session-client.ts';
import { pinnedVerifyKey, pinVerifyKey, plainPasswordApproved } from './trust-store.ts';

function prompts(overrides: Partial<LoginPrompts> = {}): LoginPrompts & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    approveNewServer: async () => {
      asked.push('new-server');
      return true;
    },
    approvePlainPassword: async () => {
      asked.push('plain-password');
      return true;
    },
    askPreviousPassword: async () => {
      asked.push('previous-password');
      return null;
    },
    ...overrides,
  };
}

const users = { 'alice@example.com': { password: 'alice-pw', groups: ['developers', 'staff'] } };

/** Alice's login at `server` in the example.com domain, for a minute, unless told otherwise. */
function loginAt(
  server: FakeServer,
  serverOverrides: Partial<LoginServer> = {},
  overrides: Partial<Omit<LoginRequest, 'server'>> = {},
): LoginRequest {
  return {
    server: { url: server.baseUrl, domain: 'example.com', ...serverOverrides },
    username: 'alice',
    password: 'alice-pw',
    sessionDuration: 60,
    ...overrides,
  };
}

beforeEach(() => localStorage.clear());
afterEach(() => vi.restoreAllMocks());

describe('login', () => {
  it('signs in, asks once per server, and reads the profile over the encrypted session', async () => {
    const server = createFakeServer({ users });
    const p = prompts();
    const request = loginAt(server, { url: `${server.baseUrl}/` }, { sessionDuration: 3600 });
    const { session, keysReencrypted } = await login(request, p, server.fetch);
    expect(keysReencrypted).toBe(false);
    expect(session.username).toBe('alice@example.com');
    expect(session.serverUrl).toBe(server.baseUrl);
    expect(p.asked).toEqual(['new-server', 'plain-password']);
    expect(pinnedVerifyKey(server.baseUrl)).toBe(server.verifyKey);
    expect(plainPasswordApproved(server.baseUrl)).toBe(true);
    expect(server.lastLoginInfo).toMatchObject({ username: 'alice@example.com', password: 'alice-pw' });

    const profile = await fetchProfile(session, server.fetch);
    expect(profile.groups.map((g) => g.name)).toEqual(['developers', 'staff']);

    // The second login asks nothing: key pinned, consent remembered.
    const again = prompts();
    await login(request, again, server.fetch);
    expect(again.asked).toEqual([]);

    const list = await fetchSessions(session, server.fetch);
    expect(list).toHaveLength(2);
    expect(list.filter((s) => s.current_session)).toHaveLength(1);

    await logout(session, undefined, server.fetch);
    await expect(fetchProfile(session, server.fetch)).rejects.toMatchObject({ code: 'SESSION_EXPIRED' });
  });

  it.each([
    {
      case: 'config.json names no domain, the server one directory: its domain',
      server: { domain: 'psono.example.com', domainFromUrl: true },
      ldapDomains: ['example.com'],
      sent: 'alice@example.com',
    },
    {
      case: 'config.json names no domain, the server two directories: the url host',
      server: { domain: 'psono.example.com', domainFromUrl: true },
      ldapDomains: ['example.com', 'corp.example.org'],
      sent: 'alice@psono.example.com',
    },
    {
      case: "config.json names a domain: config.json's, whatever the server announces",
      server: { domain: 'example.com', domainFromUrl: false },
      ldapDomains: ['other.example.net'],
      sent: 'alice@example.com',
    },
  ])('appends the domain to a bare username: $case', async ({ server: domain, ldapDomains, sent }) => {
    const server = createFakeServer({ users, ldapDomains });
    pinVerifyKey(server.baseUrl, server.verifyKey);
    const request = loginAt(server, { ...domain, autoapprovePlainPassword: true });
    const outcome = login(request, prompts(), server.fetch);
    if (sent === 'alice@example.com') {
      expect((await outcome).session.username).toBe('alice@example.com');
    } else {
      await expect(outcome).rejects.toMatchObject({ code: 'WRONG_CREDENTIALS' });
    }
    expect(server.lastLoginInfo).toMatchObject({ username: sent });
  });

  it('sends nothing when the user declines sending the password', async () => {
    const server = createFakeServer({ users });
    const p = prompts({ approvePlainPassword: async () => false });
    await expect(login(loginAt(server), p, server.fetch)).rejects.toMatchObject({
      code: 'PLAIN_PASSWORD_DECLINED',
    });
    expect(server.calls).toEqual(['GET /info/']);
    expect(plainPasswordApproved(server.baseUrl)).toBe(false);
  });

  it('skips the consent question when the administrator auto-approves the server', async () => {
    const server = createFakeServer({ users });
    const p = prompts();
    await login(loginAt(server, { autoapprovePlainPassword: true }), p, server.fetch);
    expect(p.asked).toEqual(['new-server']);
  });

  it('trusts a key pinned in the configuration without asking, and blocks any other', async () => {
    const server = createFakeServer({ users });
    const p = prompts();
    const request = loginAt(server, { verifyKey: server.verifyKey, autoapprovePlainPassword: true });
    await login(request, p, server.fetch);
    expect(p.asked).toEqual([]);

    server.rotateSigningKey();
    await expect(login(request, p, server.fetch)).rejects.toMatchObject({ code: 'IDENTITY_CHANGED' });
  });

  it('blocks a server whose key changed since it was pinned in this browser', async () => {
    const server = createFakeServer({ users });
    pinVerifyKey(server.baseUrl, server.verifyKey);
    server.rotateSigningKey();
    const p = prompts();
    const error = await login(loginAt(server), p, server.fetch).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClientError);
    expect((error as ClientError).code).toBe('IDENTITY_CHANGED');
    expect(p.asked).toEqual([]);
    expect(server.calls).toEqual(['GET /info/']);
  });

  it('maps wrong credentials, throttling and an unreachable server to their codes', async () => {
    const server = createFakeServer({ users });
    const base = {
      server: { url: server.baseUrl, domain: 'example.com', autoapprovePlainPassword: true },
      sessionDuration: 60,
    };
    await expect(
      login({ ...base, username: 'alice', password: 'nope' }, prompts(), server.fetch),
    ).rejects.toMatchObject({
      code: 'WRONG_CREDENTIALS',
    });
    server.setThrottle(42);
    await expect(
      login({ ...base, username: 'alice', password: 'alice-pw' }, prompts(), server.fetch),
    ).rejects.toMatchObject({
      code: 'THROTTLED',
      retryAfterSeconds: 42,
    });
    await expect(
      login(
        {
          ...base,
          server: { ...base.server, url: 'https://down.example.com/server' },
          username: 'a',
          password: 'b',
        },
        prompts(),
        server.fetch,
      ),
    ).rejects.toMatchObject({ code: 'SERVER_OFFLINE' });
  });

  it('refuses a server that does not offer directory logins before sending the password', async () => {
    const server = createFakeServer({ users, authenticationMethods: ['AUTHKEY'] });
    await expect(login(loginAt(server), prompts(), server.fetch)).rejects.toMatchObject({
      code: 'LDAP_NOT_OFFERED',
    });
    expect(server.calls).toEqual(['GET /info/']);
  });

  it('re-encrypts the keys under the new password after a directory password change', async () => {
    const server = createFakeServer({
      users: { 'bob@example.com': { password: 'new-pw', previousPassword: 'old-pw' } },
    });
    const answers = ['typo', 'old-pw'];
    const attempts: number[] = [];
    const p = prompts({
      askPreviousPassword: async ({ attempt }) => {
        attempts.push(attempt);
        return answers.shift() ?? null;
      },
    });
    const request = loginAt(
      server,
      { autoapprovePlainPassword: true },
      { username: 'bob', password: 'new-pw' },
    );
    const result = await login(request, p, server.fetch);
    expect(result.keysReencrypted).toBe(true);
    expect(attempts).toEqual([1, 2]);
    expect(server.keyUpdates).toBe(1);
    expect(server.keysOpenWith('bob@example.com', 'new-pw')).toBe(true);

    // From now on the keys open with the new password: no question.
    const next = prompts();
    expect((await login(request, next, server.fetch)).keysReencrypted).toBe(false);
    expect(next.asked).toEqual([]);
  });

  it('gives up without activating when the previous password is not given', async () => {
    const server = createFakeServer({
      users: { 'bob@example.com': { password: 'new-pw', previousPassword: 'old-pw' } },
    });
    await expect(
      login(
        loginAt(server, { autoapprovePlainPassword: true }, { username: 'bob', password: 'new-pw' }),
        prompts(),
        server.fetch,
      ),
    ).rejects.toMatchObject({ code: 'KEYS_LOCKED' });
    expect(server.calls).not.toContain('POST /authentication/activate-token/');
  });
});
