import { describe, expect, it } from 'vitest';
import { loadConfig, offersPasswordForm } from './load-config.ts';

const serve = (status: number, body: string) => (async () => new Response(body, { status })) as typeof fetch;
const origin = 'https://vault.example.com';

describe('loadConfig', () => {
  it('applies defaults: one server at <origin>/server, all methods', async () => {
    const result = await loadConfig('config.json', origin, serve(200, '{}'));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.backend_servers).toEqual([
      expect.objectContaining({ url: 'https://vault.example.com/server', domain: 'vault.example.com' }),
    ]);
    expect(offersPasswordForm(result.config)).toBe(true);
  });

  it('names every problem of a malformed file', async () => {
    const result = await loadConfig(
      'config.json',
      origin,
      serve(
        200,
        JSON.stringify({
          backend_servers: [{ url: 'https://a', verify_key: 'xyz' }],
          allow_custom_sever: true,
        }),
      ),
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.join('\n')).toMatch(/backend_servers\[0\]\.verify_key/);
    expect(result.errors.join('\n')).toMatch(
      /allow_custom_sever: unknown key \(did you mean allow_custom_server\?\)/,
    );
  });

  it('reports broken JSON and HTTP failures', async () => {
    const broken = await loadConfig('config.json', origin, serve(200, '{"backend_servers": ['));
    expect(broken).toMatchObject({ ok: false, title: 'The configuration file is not valid JSON' });
    const missing = await loadConfig('config.json', origin, serve(404, 'not found'));
    expect(missing).toMatchObject({ ok: false, errors: ['config.json: the server answered HTTP 404'] });
  });

  it('hides the password form when only single sign-on methods are allowed', async () => {
    const result = await loadConfig('config.json', origin, serve(200, '{"authentication_methods":["SAML"]}'));
    expect(result.ok && offersPasswordForm(result.config)).toBe(false);
  });
});
