import { afterEach, describe, expect, it } from 'vitest';
import { FakeDirectory } from '../test-support/fake-directory.ts';
import { createTestApp, type TestApp } from '../test-support/test-app.ts';

const EXTENSION = 'chrome-extension://abcdefghijklmnop';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

function preflight(origin: string, path = '/datastore/') {
  return t!.request(path, {
    method: 'OPTIONS',
    headers: {
      Origin: origin,
      'Access-Control-Request-Method': 'PUT',
      'Access-Control-Request-Headers': 'authorization,authorization-validator,content-type',
    },
  });
}

describe('CORS', () => {
  it('allows no origin by default: preflights fail and no reply names an origin', async () => {
    t = await createTestApp({ directory: new FakeDirectory() });
    const response = await preflight(EXTENSION);
    expect(response.ok).toBe(false);
    expect(response.headers.get('Access-Control-Allow-Origin')).toBeNull();
    const info = await t.request('/info/', { headers: { Origin: EXTENSION } });
    expect(info.headers.get('Access-Control-Allow-Origin')).toBeNull();
  });

  it('answers preflights of the configured origins by name, never * and without credentials', async () => {
    t = await createTestApp({
      directory: new FakeDirectory(),
      settings: { CORS_ALLOWED_ORIGINS: [EXTENSION, 'https://other.example.com'] },
    });
    const response = await preflight(EXTENSION);
    expect(response.status).toBe(204);
    expect(response.headers.get('Access-Control-Allow-Origin')).toBe(EXTENSION);
    expect(response.headers.get('Access-Control-Allow-Credentials')).toBeNull();
    expect(response.headers.get('Access-Control-Allow-Methods')).toContain('PUT');
    expect(response.headers.get('Access-Control-Allow-Headers')?.toLowerCase().split(',')).toEqual(
      expect.arrayContaining(['authorization', 'authorization-validator', 'content-type']),
    );
    expect(response.headers.get('Vary')).toContain('Origin');

    const stranger = await preflight('https://evil.example.com');
    expect(stranger.headers.get('Access-Control-Allow-Origin')).toBeNull();
  });

  it('labels replies, errors included, for an allowed origin only', async () => {
    t = await createTestApp({
      directory: new FakeDirectory(),
      settings: { CORS_ALLOWED_ORIGINS: EXTENSION },
    });
    const info = await t.request('/info/', { headers: { Origin: EXTENSION } });
    expect(info.status).toBe(200);
    expect(info.headers.get('Access-Control-Allow-Origin')).toBe(EXTENSION);
    // An error must reach the extension too (it reads the code), with the usual security headers.
    const refused = await t.request('/user/', { headers: { Origin: EXTENSION } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('Access-Control-Allow-Origin')).toBe(EXTENSION);
    expect(refused.headers.get('X-Content-Type-Options')).toBe('nosniff');
    const stranger = await t.request('/info/', { headers: { Origin: 'https://evil.example.com' } });
    expect(stranger.status).toBe(200);
    expect(stranger.headers.get('Access-Control-Allow-Origin')).toBeNull();
  });
});
