/**
 * The product's version and the git revision it was built from, and the Psono version the server
 * reports to Psono's clients.
 *
 * The revision is baked into the image as `LDAP_LOGIN_REVISION` (a build argument of
 * `docker/Dockerfile`); a build from a git checkout reads it from `.git` at start, without running git.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The Psono server version announced in `/info/` (`"5.3.2 (Build <revision>)"`). Psono's clients
 * compare it to switch features on, so it says which Psono behaviour this server provides:
 * - >= 4.0.14 (type CE) and >= 4.0.24 (type EE): the oldest servers the official client accepts;
 * - >= 5.3.2 with type EE: the client runs its job scheduler (group keys for directory-made
 *   memberships), which the team vaults rely on;
 * - < 5.4.0: the client offers file attachments from 5.4.0 on, which this server does not store.
 */
export const PSONO_COMPATIBILITY_VERSION = '5.3.2';

export interface ProductVersion {
  /** The product's own version (`package.json`), for example `0.2.0`. */
  version: string;
  /** Short git revision, or `unknown` when neither the image nor a checkout tells it. */
  revision: string;
}

const PACKAGE_JSON = fileURLToPath(new URL('../package.json', import.meta.url));

/** `.git` of the checkout holding `from`: a folder, or a file `gitdir: ...` in a worktree. */
function findGitDir(from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, '.git');
    try {
      if (statSync(candidate).isDirectory()) return candidate;
      const pointer = /^gitdir: (.+)$/m.exec(readFileSync(candidate, 'utf8'));
      if (pointer?.[1]) return resolve(dir, pointer[1].trim());
    } catch {
      // No .git here: look one folder up.
    }
    if (dirname(dir) === dir) return undefined;
  }
}

function readRef(gitDir: string, ref: string): string | undefined {
  // A worktree's refs live in the common folder.
  let common = gitDir;
  try {
    common = resolve(gitDir, readFileSync(join(gitDir, 'commondir'), 'utf8').trim());
  } catch {
    // Not a worktree.
  }
  for (const base of [gitDir, common]) {
    try {
      return readFileSync(join(base, ref), 'utf8').trim();
    } catch {
      // Try the next place.
    }
  }
  try {
    const packed = readFileSync(join(common, 'packed-refs'), 'utf8');
    return new RegExp(`^([0-9a-f]{40}) ${ref.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm').exec(
      packed,
    )?.[1];
  } catch {
    return undefined;
  }
}

/** The checked-out commit of the repository around `from`, shortened to 7 characters. */
export function gitRevision(from: string): string | undefined {
  const gitDir = findGitDir(from);
  if (!gitDir) return undefined;
  let head: string;
  try {
    head = readFileSync(join(gitDir, 'HEAD'), 'utf8').trim();
  } catch {
    return undefined;
  }
  const ref = /^ref: (.+)$/.exec(head)?.[1];
  const sha = ref ? readRef(gitDir, ref) : head;
  return sha && /^[0-9a-f]{40}$/.test(sha) ? sha.slice(0, 7) : undefined;
}

let cached: ProductVersion | undefined;

/**
 * @example
 * productVersion(); // { version: '0.2.0', revision: '1a2b3c4' }
 */
export function productVersion(
  env: Readonly<Record<string, string | undefined>> = process.env,
): ProductVersion {
  if (cached && env === process.env) return cached;
  const { version } = JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { version: string };
  const baked = env.LDAP_LOGIN_REVISION?.trim();
  const revision = baked || gitRevision(dirname(PACKAGE_JSON)) || 'unknown';
  const result = { version, revision };
  if (env === process.env) cached = result;
  return result;
}

/** `0.2.0 (1a2b3c4)`: for `manage --version` and the startup log. */
export function formatVersion(version: ProductVersion = productVersion()): string {
  return `${version.version} (${version.revision})`;
}
