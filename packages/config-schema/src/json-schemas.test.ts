import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildJsonSchemas } from './json-schemas.ts';

const schemas = buildJsonSchemas();

describe('committed JSON Schemas', () => {
  it.each(Object.keys(schemas))('schemas/%s is up to date (run `npm run generate` if not)', (name) => {
    const committed = readFileSync(new URL(`../schemas/${name}`, import.meta.url), 'utf8');
    expect(committed).toBe(`${JSON.stringify(schemas[name as keyof typeof schemas], null, 2)}\n`);
  });

  it('describe the keys editors should complete', () => {
    const settings = schemas['settings.schema.json'] as { properties: Record<string, unknown> };
    expect(Object.keys(settings.properties)).toEqual(expect.arrayContaining(['LDAP', 'SECRET_KEY', 'DEBUG']));
    const config = schemas['config.schema.json'] as { properties: Record<string, unknown> };
    expect(Object.keys(config.properties)).toEqual(
      expect.arrayContaining(['backend_servers', 'authentication_methods', 'base_url']),
    );
  });
});
