// Writes schemas/*.schema.json from the zod schemas: `npm run generate -w @ldap-login/config-schema`.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildJsonSchemas } from '../src/json-schemas.ts';

for (const [name, schema] of Object.entries(buildJsonSchemas())) {
  const target = fileURLToPath(new URL(`../schemas/${name}`, import.meta.url));
  writeFileSync(target, `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`wrote schemas/${name}`);
}
