import { type Document, isMap, isScalar, isSeq, type LineCounter, type Node, type Pair } from 'yaml';

interface SourcePosition {
  line: number;
  column: number;
}

/**
 * Finds where a value of a parsed YAML document sits in its source, by walking the document's
 * node tree along a key path (`['LDAP', 0, 'LDAP_URL']`).
 *
 * When the path ends at a key that is not in the file (a missing required key), the position of
 * the nearest enclosing node is returned, so the message still points at the right entry.
 * With `at: 'key'`, the position of the key itself is returned (for unknown keys).
 */
export function locateInDocument(
  document: Document,
  lineCounter: LineCounter,
  path: readonly PropertyKey[],
  at: 'key' | 'value' = 'value',
): SourcePosition | undefined {
  let node: unknown = document.contents;
  let offset = rangeStart(node);
  for (const [index, segment] of path.entries()) {
    const last = index === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((item: Pair) => keyText(item.key) === String(segment));
      if (pair === undefined) break;
      const keyStart = rangeStart(pair.key);
      if (last && at === 'key' && keyStart !== undefined) return positionOf(lineCounter, keyStart);
      node = pair.value;
      offset = rangeStart(pair.value) ?? keyStart ?? offset;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      if (item === undefined) break;
      node = item;
      offset = rangeStart(item) ?? offset;
    } else {
      break;
    }
  }
  return offset === undefined ? undefined : positionOf(lineCounter, offset);
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return typeof key === 'string' ? key : undefined;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : undefined;
}

/** 1-based line and column of a character offset. */
export function positionOf(lineCounter: LineCounter, offset: number): SourcePosition {
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}
