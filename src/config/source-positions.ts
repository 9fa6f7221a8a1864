/** Line and column of a path in a parsed YAML document. */
import type { Document, LineCounter } from 'yaml';
import { isAlias, isMap, isScalar, isSeq } from 'yaml';
import type { DocPath } from './config-problem.ts';

export interface SourcePosition {
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
}

/** Where to point for a path: at the value, or at the key that names it (unknown or duplicate keys). */
export type PositionTarget = 'value' | 'key';

/** Finds the source position of document paths; a path that does not exist points at its nearest ancestor. */
export class SourcePositions {
  constructor(
    private readonly doc: Document,
    private readonly lineCounter: LineCounter,
  ) {}

  /** Position of the node at `path` (or of its key), falling back to the deepest node that exists. */
  positionOf(path: DocPath, target: PositionTarget = 'value'): SourcePosition {
    let node: unknown = this.doc.contents;
    let offset = rangeStart(node) ?? 0;
    for (let i = 0; i < path.length; i++) {
      if (isAlias(node)) node = node.resolve(this.doc);
      const key = path[i]!;
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(key));
        if (!pair) break;
        const keyStart = rangeStart(pair.key);
        const valueStart = rangeStart(pair.value);
        if (last && target === 'key' && keyStart !== undefined) return this.at(keyStart);
        // `key:` with nothing after it has no value node: point at the key.
        offset = valueStart ?? keyStart ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof key === 'number') {
        const item: unknown = node.items[key];
        const start = rangeStart(item);
        if (start === undefined) break;
        offset = start;
        node = item;
      } else {
        break;
      }
    }
    return this.at(offset);
  }

  private at(offset: number): SourcePosition {
    const { line, col } = this.lineCounter.linePos(offset);
    return { line, column: col };
  }
}

function rangeStart(node: unknown): number | undefined {
  if (node && typeof node === 'object' && 'range' in node) {
    const range = (node as { range?: readonly number[] | null }).range;
    return range?.[0];
  }
  return undefined;
}
