import { fileURLToPath } from 'node:url';

/**
 * The OpenLDAP image's directory (Dockerfile, start script, schema, datasets). The fixture is a
 * development tool of this repository, so it finds the directory beside the package in the checkout;
 * `src/testing` and `dist/testing` sit at the same depth.
 */
export const OPENLDAP_IMAGE_DIR = fileURLToPath(new URL('../../../../docker/openldap/', import.meta.url));

export function datasetDir(name: string): string {
  return `${OPENLDAP_IMAGE_DIR}datasets/${name}/`;
}
