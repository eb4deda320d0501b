/** The JavaScript a web client ships, as a browser downloads it compressed. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export interface JsSize {
  files: number;
  bytes: number;
  gzipBytes: number;
}

/** Every `.js` file below `folder`, raw and gzip-compressed (level 9) one by one, summed. */
export function jsSize(folder: string): JsSize {
  const size: JsSize = { files: 0, bytes: 0, gzipBytes: 0 };
  for (const entry of readdirSync(folder, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.js')) continue;
    const content = readFileSync(join(entry.parentPath, entry.name));
    size.files += 1;
    size.bytes += content.length;
    size.gzipBytes += gzipSync(content, { level: 9 }).length;
  }
  return size;
}
