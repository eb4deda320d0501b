import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { jsSizeOf, loadedJsFiles } from './web-size.ts';

describe('our web client size', () => {
  let folder: string;
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  it('counts the scripts index.html loads and those they name, not a stale build left beside them', () => {
    folder = mkdtempSync(join(tmpdir(), 'web-size-'));
    mkdirSync(join(folder, 'assets'));
    writeFileSync(
      join(folder, 'index.html'),
      '<script type="module" crossorigin src="./assets/index-new.js"></script><link rel="stylesheet" href="./assets/index.css">',
    );
    writeFileSync(
      join(folder, 'assets', 'index-new.js'),
      'new Worker(new URL("scrypt-worker-1.js", import.meta.url))',
    );
    writeFileSync(join(folder, 'assets', 'scrypt-worker-1.js'), 'self.onmessage = () => {}');
    writeFileSync(join(folder, 'assets', 'index-old.js'), 'x'.repeat(10_000));

    const files = loadedJsFiles(folder).map((path) => path.slice(folder.length));
    expect(files).toEqual(['/assets/index-new.js', '/assets/scrypt-worker-1.js']);
    expect(jsSizeOf(folder, loadedJsFiles(folder)).files).toBe(2);
    expect(jsSizeOf(folder).files).toBe(3);
  });
});
