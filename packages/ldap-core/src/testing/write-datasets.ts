/**
 * Renders the catalog (datasets.ts) into the files the OpenLDAP image and the native slapd load:
 * `datasets/<name>/data.ldif` and `datasets/<name>/dataset.env`. Run after changing datasets.ts:
 *   npx tsx src/testing/write-datasets.ts      (inside packages/ldap-core)
 * A test fails while the files on disk differ from what this would write.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { DATASET_NAMES, datasetDefinition, renderDatasetEnv } from './datasets.ts';
import { renderDatasetLdif } from './ldif.ts';
import { datasetDir } from './paths.ts';

for (const name of DATASET_NAMES) {
  const dir = datasetDir(name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}data.ldif`, renderDatasetLdif(name));
  writeFileSync(`${dir}dataset.env`, renderDatasetEnv(datasetDefinition(name)));
  console.log(`wrote ${name}`);
}
