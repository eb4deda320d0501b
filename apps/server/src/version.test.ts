import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { formatVersion, gitRevision, productVersion } from './version.ts';

const scratch = mkdtempSync(join(tmpdir(), 'version-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('productVersion', () => {
  it("reads the package's version and this checkout's revision, as git tells it", () => {
    const head = execFileSync('git', ['rev-parse', '--short=7', 'HEAD'], { encoding: 'utf8' }).trim();
    expect(productVersion({})).toEqual({ version: '0.2.0', revision: head });
    expect(formatVersion({ version: '0.2.0', revision: head })).toBe(`0.2.0 (${head})`);
  });

  it('prefers the revision baked into the image', () => {
    expect(productVersion({ LDAP_LOGIN_REVISION: 'f00dcafe' }).revision).toBe('f00dcafe');
  });
});

describe('the one product version', () => {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
  const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;

  it('every workspace package has the root version and the Apache-2.0 license; CHANGELOG and LICENSE match', () => {
    const rootPackage = readJson(join(root, 'package.json'));
    const version = rootPackage.version as string;
    const folders = (rootPackage.workspaces as string[]).flatMap((pattern) =>
      pattern.endsWith('/*')
        ? readdirSync(join(root, pattern.slice(0, -2))).map((name) => join(pattern.slice(0, -2), name))
        : [pattern],
    );
    const manifests = folders.filter((folder) => existsSync(join(root, folder, 'package.json')));
    expect(manifests.length).toBeGreaterThanOrEqual(6);
    for (const folder of ['.', ...manifests]) {
      expect(readJson(join(root, folder, 'package.json')), folder).toMatchObject({
        version,
        license: 'Apache-2.0',
      });
    }
    expect(productVersion({}).version).toBe(version);
    expect(readFileSync(join(root, 'CHANGELOG.md'), 'utf8')).toMatch(
      new RegExp(`^## \\[${version.replaceAll('.', '\\.')}\\] - \\d{4}-\\d{2}-\\d{2}$`, 'm'),
    );
    const license = readFileSync(join(root, 'LICENSE'), 'utf8');
    expect(license).toContain('Apache License');
    expect(license).toContain('Version 2.0, January 2004');
  });
});

describe('gitRevision', () => {
  const sha = '0123456789abcdef0123456789abcdef01234567';

  it('follows a branch ref, a packed ref, a detached HEAD and a worktree pointer', () => {
    const repo = join(scratch, 'repo');
    mkdirSync(join(repo, '.git', 'refs', 'heads'), { recursive: true });
    mkdirSync(join(repo, 'apps', 'server'), { recursive: true });
    writeFileSync(join(repo, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    writeFileSync(join(repo, '.git', 'refs', 'heads', 'main'), `${sha}\n`);
    expect(gitRevision(join(repo, 'apps', 'server'))).toBe('0123456');

    writeFileSync(join(repo, '.git', 'HEAD'), 'ref: refs/heads/packed\n');
    writeFileSync(
      join(repo, '.git', 'packed-refs'),
      `# pack-refs\n${sha.replace('0', 'f')} refs/heads/packed\n`,
    );
    expect(gitRevision(repo)).toBe('f123456');

    writeFileSync(join(repo, '.git', 'HEAD'), `${sha.replace('0', 'e')}\n`);
    expect(gitRevision(repo)).toBe('e123456');

    // A worktree: .git is a file pointing at its own folder, whose refs live in the common one.
    const worktreeGit = join(repo, '.git', 'worktrees', 'wt');
    mkdirSync(worktreeGit, { recursive: true });
    writeFileSync(join(worktreeGit, 'HEAD'), 'ref: refs/heads/main\n');
    writeFileSync(join(worktreeGit, 'commondir'), '../..\n');
    const worktree = join(scratch, 'wt');
    mkdirSync(worktree, { recursive: true });
    writeFileSync(join(worktree, '.git'), `gitdir: ${worktreeGit}\n`);
    expect(gitRevision(worktree)).toBe('0123456');
  });

  it('is undefined outside a checkout', () => {
    expect(gitRevision('/')).toBeUndefined();
  });
});
