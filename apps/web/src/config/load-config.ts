import { parseWebConfig, type WebConfig } from '@ldap-login/config-schema/client';

export type ConfigLoadResult =
  | { ok: true; config: WebConfig }
  | { ok: false; title: string; errors: string[] };

/**
 * Reads `config.json` beside the page (an administrator may mount their own) and validates it.
 * Every way this can fail ends in a readable list of problems for the error page.
 */
export async function loadConfig(
  url = new URL('config.json', document.baseURI).href,
  origin = location.origin,
  fetchImpl: typeof fetch = fetch,
): Promise<ConfigLoadResult> {
  let response: Response;
  try {
    response = await fetchImpl(url, { cache: 'no-cache', credentials: 'same-origin' });
  } catch (error) {
    return {
      ok: false,
      title: 'The configuration could not be loaded',
      errors: [`config.json: the request failed (${error instanceof Error ? error.message : String(error)})`],
    };
  }
  if (!response.ok) {
    return {
      ok: false,
      title: 'The configuration could not be loaded',
      errors: [`config.json: the server answered HTTP ${response.status}`],
    };
  }
  let input: unknown;
  const text = await response.text();
  try {
    input = JSON.parse(text);
  } catch (error) {
    return {
      ok: false,
      title: 'The configuration file is not valid JSON',
      errors: [`config.json: ${error instanceof Error ? error.message : 'not JSON'}`],
    };
  }
  const parsed = parseWebConfig(input, origin);
  if (!parsed.ok) return { ok: false, title: 'The configuration file has problems', errors: parsed.errors };
  return parsed;
}

/** Whether this configuration shows the username and password form at all. */
export function offersPasswordForm(config: WebConfig): boolean {
  return config.authentication_methods.includes('LDAP') || config.authentication_methods.includes('AUTHKEY');
}
