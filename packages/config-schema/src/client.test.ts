import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The client entry runs in the browser: walk its relative imports and make sure no module it
 * reaches imports Node's built-ins or a package that is not browser-safe.
 */
const BROWSER_SAFE_PACKAGES = new Set(['zod', 'fastest-levenshtein']);

function importsOf(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  return [...source.matchAll(/^\s*(?:import|export)\b[^'";]*?from\s+'([^']+)'/gm)].map(
    (match) => match[1] ?? '',
  );
}

describe('@ldap-login/config-schema/client', () => {
  it('reaches no Node-only module', () => {
    const seen = new Set<string>();
    const external = new Set<string>();
    const queue = [fileURLToPath(new URL('./client.ts', import.meta.url))];
    while (queue.length > 0) {
      const file = queue.pop() as string;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const specifier of importsOf(file)) {
        if (specifier.startsWith('.')) queue.push(fileURLToPath(new URL(specifier, `file://${file}`)));
        else external.add(specifier);
      }
    }
    expect(seen.size).toBeGreaterThan(1);
    expect([...external].filter((name) => !BROWSER_SAFE_PACKAGES.has(name))).toEqual([]);
  });

  it('loads and parses a config', async () => {
    const client = await import('./client.ts');
    const result = client.parseWebConfig({ authentication_methods: ['LDAP'] }, 'https://vault.example.com');
    expect(result.ok).toBe(true);
  });
});
