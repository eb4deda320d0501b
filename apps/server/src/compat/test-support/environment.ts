/** The one place the official-client test reads the process environment. */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root: `apps/server/src/compat/support` is four levels below it. */
export const REPOSITORY_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../..');

/** Screenshots of each step, for a person to look at after a run (git-ignored). */
export const OUTPUT_DIR = join(REPOSITORY_ROOT, 'apps/server/test-output/official-client');

export interface CompatEnvironment {
  /** Under CI nothing may skip: a missing browser or client build fails the run. */
  ci: boolean;
  chromium: string;
  /** The archive of the official web client's static build (`webclient/` inside). */
  webclientArchive: string;
}

/**
 * OFFICIAL_WEBCLIENT_DIR names the folder holding `webclient.tgz`; by default it is the shared
 * fixtures folder that sits beside the repository's clone (`<repo>/../shared/psono-webclient`).
 */
export function readCompatEnvironment(env: NodeJS.ProcessEnv = process.env): CompatEnvironment {
  const ci = env.CI !== undefined && !['', '0', 'false'].includes(env.CI.toLowerCase());
  const folder = env.OFFICIAL_WEBCLIENT_DIR || join(REPOSITORY_ROOT, '..', 'shared', 'psono-webclient');
  return {
    ci,
    chromium: env.CHROMIUM_PATH || '/usr/bin/chromium',
    webclientArchive: join(resolve(folder), 'webclient.tgz'),
  };
}

/** Why this machine cannot run the test, or undefined when it can. */
export function missingPrerequisite(environment: CompatEnvironment): string | undefined {
  if (!existsSync(environment.chromium)) {
    return `Chromium not found at ${environment.chromium} (apt-get install chromium, or set CHROMIUM_PATH)`;
  }
  if (!existsSync(environment.webclientArchive)) {
    return `the official web client's build ${environment.webclientArchive} is missing (set OFFICIAL_WEBCLIENT_DIR)`;
  }
  return undefined;
}
