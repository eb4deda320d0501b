import type { WebConfig } from '@ldap-login/config-schema/client';
import { fireEvent, render, screen, waitFor } from '@solidjs/testing-library';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pinVerifyKey } from '../api/trust-store.ts';
import { setLanguage } from '../i18n/i18n.ts';
import { SessionProvider } from '../state/session-context.tsx';
import { createFakeServer, type FakeServer, fakeServerConfig } from '../test-support/fake-server.ts';
import { LoginPage } from './login-page.tsx';

function renderLogin(
  server: FakeServer,
  overrides: Partial<WebConfig> = {},
  backend: { autoapprovePlainPassword?: boolean } = {},
) {
  return render(() => (
    <SessionProvider config={fakeServerConfig(server, overrides, backend)} fetch={server.fetch}>
      <LoginPage />
    </SessionProvider>
  ));
}

function fillAndSubmit(username: string, password: string) {
  fireEvent.input(screen.getByLabelText('Username'), { target: { value: username } });
  fireEvent.input(screen.getByLabelText('Password'), { target: { value: password } });
  fireEvent.click(screen.getByRole('button', { name: /sign in/i }));
}

const users = { 'alice@example.com': { password: 'alice-pw', groups: ['developers'] } };

beforeEach(() => {
  localStorage.clear();
  sessionStorage.clear();
});
afterEach(() => document.body.replaceChildren());

describe('LoginPage', () => {
  it('labels every field and shows the domain while none is typed', () => {
    const server = createFakeServer({ users });
    renderLogin(server);
    expect(screen.getByLabelText('Username')).toHaveProperty('autocomplete', 'username');
    expect(screen.getByLabelText('Password')).toHaveProperty('autocomplete', 'current-password');
    expect(screen.getByTestId('domain-hint').textContent).toBe('@example.com');
    fireEvent.input(screen.getByLabelText('Username'), { target: { value: 'alice@other.org' } });
    expect(screen.queryByTestId('domain-hint')).toBeNull();
    expect(screen.queryByLabelText('Server')).toBeNull();
  });

  it("offers each configured server and, when allowed, a server address of the user's own", async () => {
    const server = createFakeServer({ users, baseUrl: 'https://vault.example.net/server' });
    renderLogin(server, {
      allow_custom_server: true,
      backend_servers: [
        {
          title: 'Headquarters',
          url: 'https://hq.example.com/server',
          domain: 'example.com',
          domain_from_url: false,
          autoapprove_plain_password: false,
        },
        {
          title: 'Lab',
          url: 'https://lab.example.org/server',
          domain: 'lab.example.org',
          domain_from_url: false,
          autoapprove_plain_password: false,
        },
      ],
    });
    const select = screen.getByLabelText('Server') as HTMLSelectElement;
    expect(Array.from(select.options, (o) => o.textContent)).toEqual([
      'Headquarters',
      'Lab',
      'Another server…',
    ]);
    fireEvent.change(select, { target: { value: '1' } });
    expect(screen.getByTestId('domain-hint').textContent).toBe('@lab.example.org');

    fireEvent.change(select, { target: { value: 'custom' } });
    fireEvent.input(screen.getByLabelText('Server address'), {
      target: { value: 'https://www.vault.example.net/server/' },
    });
    // No domain configured and this address does not answer: the url's host, as Psono's clients do.
    await waitFor(() => expect(screen.getByTestId('domain-hint').textContent).toBe('@vault.example.net'));
    fireEvent.input(screen.getByLabelText('Server address'), { target: { value: 'vault' } });
    fillAndSubmit('alice', 'pw');
    expect((await screen.findByRole('alert')).textContent).toMatch(/Enter the server address/);
    expect(server.calls).toEqual([]);
  });

  it("without a domain in config.json, shows and sends the server's one directory domain, not the url's host", async () => {
    const server = createFakeServer({ users, ldapDomains: ['example.com'] });
    pinVerifyKey(server.baseUrl, server.verifyKey);
    const [configured] = fakeServerConfig(server, {}, { autoapprovePlainPassword: true }).backend_servers;
    renderLogin(server, {
      backend_servers: [{ ...configured!, domain: 'psono.example.com', domain_from_url: true }],
    });
    expect(screen.getByTestId('server-title').textContent).toBe('Example');
    await waitFor(() => expect(screen.getByTestId('domain-hint').textContent).toBe('@example.com'));
    fillAndSubmit('alice', 'alice-pw');
    await waitFor(() => expect(server.lastLoginInfo).toMatchObject({ username: 'alice@example.com' }));
  });

  it('speaks German when German is chosen, the server and domain inside the sentences', async () => {
    const server = createFakeServer({ users });
    pinVerifyKey(server.baseUrl, server.verifyKey);
    setLanguage('de');
    try {
      renderLogin(server);
      expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Anmelden');

      expect(screen.getByText(/Firmenverzeichnis bei/).textContent).toBe(
        'Mit Ihrem Konto im Firmenverzeichnis bei Example.',
      );
      expect(document.getElementById('username-hint')?.textContent).toBe(
        'Ihr Benutzername im Verzeichnis; ohne Angabe wird @example.com ergänzt.',
      );
      fireEvent.input(screen.getByLabelText('Benutzername'), { target: { value: 'alice' } });
      fireEvent.input(screen.getByLabelText('Passwort'), { target: { value: 'alice-pw' } });
      fireEvent.click(screen.getByRole('button', { name: 'Anmelden' }));
      const warning = await screen.findByRole('dialog', { name: 'Passwort an den Server senden?' });
      expect(document.activeElement?.textContent).toBe('Nicht senden');
      expect(warning.textContent).toContain(server.baseUrl);
    } finally {
      setLanguage('en');
    }
  });

  it('hides the form when the configuration allows no password method', () => {
    const server = createFakeServer({ users });
    renderLogin(server, { authentication_methods: ['SAML'] });
    expect(screen.queryByLabelText('Password')).toBeNull();
    expect(screen.getByRole('alert').textContent).toMatch(/not enabled/);
  });

  it('asks about a new server, then about sending the password, moving focus into each dialog and back', async () => {
    const server = createFakeServer({ users });
    renderLogin(server);
    const submit = screen.getByRole('button', { name: /sign in/i });
    submit.focus();
    fillAndSubmit('alice', 'alice-pw');

    const identity = await screen.findByRole('dialog', { name: 'New server' });
    expect(identity.contains(document.activeElement)).toBe(true);
    expect(screen.getByTestId('fingerprint').textContent?.replaceAll(' ', '')).toBe(server.verifyKey);
    fireEvent.click(screen.getByRole('button', { name: 'Trust this server' }));

    const warning = await screen.findByRole('dialog', { name: /send your password/i });
    // the safe answer has the focus: a reflexive Enter keeps the password in the browser
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Don’t send' }));
    fireEvent.keyDown(warning, { key: 'Escape' });

    const alert = await screen.findByTestId('login-error');
    expect(alert.textContent).toMatch(/Password not sent/);
    expect(alert.textContent).toMatch(/cannot succeed/);
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.activeElement).toBe(submit);
    expect(server.calls).toEqual(['GET /info/']);
  });

  it('keeps Tab inside an open dialog', async () => {
    const server = createFakeServer({ users });
    renderLogin(server);
    fillAndSubmit('alice', 'alice-pw');
    const dialog = await screen.findByRole('dialog', { name: 'New server' });
    const [cancel, trust] = [
      screen.getByRole('button', { name: 'Cancel' }),
      screen.getByRole('button', { name: 'Trust this server' }),
    ];
    expect(document.activeElement).toBe(trust);
    fireEvent.keyDown(dialog, { key: 'Tab' });
    expect(document.activeElement).toBe(cancel);
    fireEvent.keyDown(dialog, { key: 'Tab', shiftKey: true });
    expect(document.activeElement).toBe(trust);
    fireEvent.click(cancel);
    expect((await screen.findByTestId('login-error')).textContent).toMatch(/Server not trusted/);
  });

  it('reports wrong credentials and the throttling wait in words', async () => {
    const server = createFakeServer({ users });
    pinVerifyKey(server.baseUrl, server.verifyKey);
    renderLogin(server, {}, { autoapprovePlainPassword: true });
    fillAndSubmit('alice', 'wrong');
    expect((await screen.findByTestId('login-error')).textContent).toMatch(
      /username or password is incorrect/,
    );

    server.setThrottle(90);
    fillAndSubmit('alice', 'alice-pw');
    await waitFor(() => expect(screen.getByTestId('login-error').textContent).toMatch(/wait 2 minutes/));
    expect(screen.getByRole('button', { name: /try again in 1:30/i }).getAttribute('aria-disabled')).toBe(
      'true',
    );
  });

  it('blocks a server whose identity changed, with a severe warning', async () => {
    const server = createFakeServer({ users });
    pinVerifyKey(server.baseUrl, server.verifyKey);
    server.rotateSigningKey();
    renderLogin(server);
    fillAndSubmit('alice', 'alice-pw');
    const alert = await screen.findByTestId('login-error');
    expect(alert.textContent).toMatch(/identity changed/i);
    expect(alert.className).toMatch(/alert-severe/);
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('asks for the previous password after a directory password change and says when it did not fit', async () => {
    const server = createFakeServer({
      users: { 'bob@example.com': { password: 'new-pw', previousPassword: 'old-pw' } },
    });
    pinVerifyKey(server.baseUrl, server.verifyKey);
    renderLogin(server, {}, { autoapprovePlainPassword: true });
    fillAndSubmit('bob', 'new-pw');
    await screen.findByRole('dialog', { name: 'Your password has changed' });
    fireEvent.input(screen.getByLabelText('Previous password'), { target: { value: 'guess' } });
    fireEvent.click(screen.getByRole('button', { name: 'Unlock' }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toMatch(/did not unlock/));
    fireEvent.input(screen.getByLabelText('Previous password'), { target: { value: 'old-pw' } });
    fireEvent.click(screen.getByRole('button', { name: 'Unlock' }));
    await waitFor(() => expect(server.keyUpdates).toBe(1));
    expect(server.keysOpenWith('bob@example.com', 'new-pw')).toBe(true);
  });
});
