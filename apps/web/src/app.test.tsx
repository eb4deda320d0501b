import { fireEvent, render, screen, waitFor, within } from '@solidjs/testing-library';
import { beforeEach, describe, expect, it } from 'vitest';
import { pinVerifyKey } from './api/trust-store.ts';
import { App } from './app.tsx';
import { createFakeServer, fakeServerConfig } from './test-support/fake-server.ts';

beforeEach(() => {
  localStorage.clear();
  sessionStorage.clear();
  document.body.replaceChildren();
});

describe('App', () => {
  it('shows an error page naming each problem of a malformed config.json', async () => {
    render(() => (
      <App
        loadConfig={async () => ({
          ok: false,
          title: 'The configuration file has problems',
          errors: ['backend_servers[0].verify_key: must be hex'],
        })}
      />
    ));
    expect(await screen.findByRole('heading', { name: /not set up correctly/ })).toBeTruthy();
    expect(screen.getByTestId('config-errors').textContent).toContain(
      'backend_servers[0].verify_key: must be hex',
    );
    expect(screen.queryByLabelText('Password')).toBeNull();
  });

  it('signs in to the account page with groups and sessions, and signs out', async () => {
    const server = createFakeServer({
      users: { 'alice@example.com': { password: 'alice-pw', groups: ['developers', 'staff'] } },
    });
    pinVerifyKey(server.baseUrl, server.verifyKey);
    render(() => (
      <App
        fetch={server.fetch}
        loadConfig={async () => ({
          ok: true,
          config: fakeServerConfig(server, { remember_me_default: true }, { autoapprovePlainPassword: true }),
        })}
      />
    ));
    fireEvent.input(await screen.findByLabelText('Username'), { target: { value: 'alice' } });
    fireEvent.input(screen.getByLabelText('Password'), { target: { value: 'alice-pw' } });
    fireEvent.click(screen.getByRole('button', { name: /sign in/i }));

    // The vault comes first; the account is one click away.
    fireEvent.click(await screen.findByRole('button', { name: 'Account' }));
    expect(await screen.findByRole('heading', { name: 'Your account' })).toBeTruthy();
    await waitFor(() => expect(screen.getByTestId('account-username').textContent).toBe('alice@example.com'));
    expect(
      within(screen.getByTestId('groups'))
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual(['developers', 'staff']);
    await waitFor(() => expect(screen.getByTestId('sessions').textContent).toContain('This device'));
    expect(document.activeElement?.textContent).toBe('Your account');
    // the session survives a reload of the tab, the password does not
    expect(sessionStorage.getItem('ldap-login:session')).not.toContain('alice-pw');

    fireEvent.click(screen.getByRole('button', { name: 'Sign out' }));
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeTruthy();
    expect(screen.getByRole('status').textContent).toMatch(/signed out/);
    await waitFor(() => expect(server.calls).toContain('POST /authentication/logout/'));
    // "remember me" was ticked: the username is offered again
    expect((screen.getByLabelText('Username') as HTMLInputElement).value).toBe('alice');
    expect(sessionStorage.getItem('ldap-login:session')).toBeNull();
  });
});

describe('sessions', () => {
  it('ends another session from the list, and a session that runs out returns to the sign-in page', async () => {
    const server = createFakeServer({ users: { 'alice@example.com': { password: 'alice-pw' } } });
    pinVerifyKey(server.baseUrl, server.verifyKey);
    const { login } = await import('./api/login.ts');
    const request = {
      server: { url: server.baseUrl, domain: 'example.com', autoapprovePlainPassword: true },
      username: 'alice',
      password: 'alice-pw',
      sessionDuration: 3600,
    };
    const noPrompts = {
      approveNewServer: async () => false,
      approvePlainPassword: async () => false,
      askPreviousPassword: async () => null,
    };
    await login(request, noPrompts, server.fetch); // another device
    const mine = await login(request, noPrompts, server.fetch);
    // A session that is about to run out, as restored from the tab's storage.
    sessionStorage.setItem(
      'ldap-login:session',
      JSON.stringify({ ...mine.session, validTill: new Date(Date.now() + 1500).toISOString() }),
    );
    render(() => (
      <App
        fetch={server.fetch}
        loadConfig={async () => ({
          ok: true,
          config: fakeServerConfig(server, {}, { autoapprovePlainPassword: true }),
        })}
      />
    ));
    fireEvent.click(await screen.findByRole('button', { name: 'Account' }));
    const list = await screen.findByTestId('sessions');
    await waitFor(() => expect(within(list).getAllByRole('listitem')).toHaveLength(2));
    fireEvent.click(within(list).getByRole('button', { name: /^Sign out/ }));
    await waitFor(() =>
      expect(within(screen.getByTestId('sessions')).getAllByRole('listitem')).toHaveLength(1),
    );

    expect(await screen.findByRole('heading', { name: 'Sign in' }, { timeout: 3000 })).toBeTruthy();
    expect(screen.getByRole('status').textContent).toMatch(/session has expired/);
    expect(sessionStorage.getItem('ldap-login:session')).toBeNull();
  });
});
