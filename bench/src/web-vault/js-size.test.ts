import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { jsSize } from './js-size.ts';

let folder: string | undefined;
afterEach(() => {
  if (folder) rmSync(folder, { recursive: true, force: true });
});

describe('jsSize', () => {
  it('sums every .js file below the folder, raw and gzip, and nothing else', () => {
    folder = mkdtempSync(join(tmpdir(), 'js-size-'));
    mkdirSync(join(folder, 'assets', 'nested'), { recursive: true });
    const a = 'const a = 1;\n'.repeat(200);
    const b = 'export function b() { return 2; }\n';
    writeFileSync(join(folder, 'assets', 'a.js'), a);
    writeFileSync(join(folder, 'assets', 'nested', 'b.js'), b);
    writeFileSync(join(folder, 'assets', 'style.css'), 'body { color: red; }');
    writeFileSync(join(folder, 'index.html'), '<script src="assets/a.js"></script>');
    expect(jsSize(folder)).toEqual({
      files: 2,
      bytes: a.length + b.length,
      gzipBytes: gzipSync(a, { level: 9 }).length + gzipSync(b, { level: 9 }).length,
    });
  });
});
