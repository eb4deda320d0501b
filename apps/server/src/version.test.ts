import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
