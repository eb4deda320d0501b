import { z } from 'zod';
import { PSONO_UNUSED_SETTINGS_KEYS } from './psono-settings-keys.ts';
import { settingsSchema } from './settings-schema.ts';
import { webConfigSchema } from './web-config.ts';

interface JsonSchemas {
  /** `schemas/settings.schema.json`: settings.yaml as an editor should check it. */
  'settings.schema.json': Record<string, unknown>;
  /** `schemas/config.schema.json`: the web client's config.json. */
  'config.schema.json': Record<string, unknown>;
}

/**
 * JSON Schemas of both files, generated from the zod schemas so that editors complete and check
 * what the server and the web client accept. They describe the files as written (the input
 * side), not the parsed values.
 */
export function buildJsonSchemas(): JsonSchemas {
  const settings = toJsonSchema(settingsSchema, 'settings.yaml of the LDAP login server');
  // Psono's own keys are accepted (and ignored) by the loader; an editor must not flag them.
  const properties = settings.properties as Record<string, unknown>;
  for (const key of PSONO_UNUSED_SETTINGS_KEYS) {
    properties[key] = {
      description: 'Psono setting that this server does not use (ignored with a warning).',
    };
  }
  const config = toJsonSchema(webConfigSchema, 'config.json of the web client');
  // The web client ignores "$schema", which lets editors find this schema.
  (config.properties as Record<string, unknown>).$schema = { type: 'string' };
  return { 'settings.schema.json': settings, 'config.schema.json': config };
}

function toJsonSchema(schema: z.ZodType, title: string): Record<string, unknown> {
  // Transforms (comma lists, True/False words) cannot be expressed in JSON Schema; the input
  // side describes what may be written, which is what an editor needs.
  const generated = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  const { $schema, ...rest } = generated;
  return { $schema, title, ...rest };
}
