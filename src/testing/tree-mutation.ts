/**
 * Structure-aware mutation of JSON-like trees for fuzzing (site files, API bodies): a value replaced by an
 * edge value or by a value from elsewhere in the tree, a key removed or added, a list item dropped or
 * duplicated. Paths are picked modulo the tree's path count, so fast-check shrinks them.
 */
import fc from 'fast-check';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Path = readonly (string | number)[];

function paths(v: Json, at: Path = []): Path[] {
  const out: Path[] = [at];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...at, i])));
  else if (v !== null && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...at, k]));
  return out;
}

function valuesOf(v: Json): Json[] {
  return paths(v).map((p) => get(v, p));
}

function get(v: Json, p: Path): Json {
  let cur: Json = v;
  for (const k of p) cur = (cur as Record<string | number, Json>)[k]!;
  return cur;
}

export type TreeOp =
  | { kind: 'set'; at: number; value: Json }
  | { kind: 'borrow'; at: number; from: number }
  | { kind: 'delete'; at: number }
  | { kind: 'add-key'; at: number; key: string; value: Json }
  | { kind: 'duplicate'; at: number };

/** Apply `op` to a deep copy of `tree`; paths are picked modulo the current tree's path count. */
export function applyOp(tree: Json, op: TreeOp): Json {
  const copy = structuredClone(tree);
  const all = paths(copy);
  const p = all[op.at % all.length]!;
  if (op.kind === 'set' || op.kind === 'borrow') {
    const value = op.kind === 'set' ? op.value : structuredClone(valuesOf(copy)[op.from % all.length]!);
    if (p.length === 0) return value;
    const parent = get(copy, p.slice(0, -1)) as Record<string | number, Json>;
    parent[p[p.length - 1]!] = value;
    return copy;
  }
  if (p.length === 0) return op.kind === 'delete' ? null : copy;
  const parent = get(copy, p.slice(0, -1));
  const key = p[p.length - 1]!;
  if (op.kind === 'delete') {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete (parent as Record<string, Json>)[key];
  } else if (op.kind === 'duplicate') {
    if (Array.isArray(parent)) parent.splice(key as number, 0, structuredClone(parent[key as number]!));
  } else {
    const target = get(copy, p);
    if (target !== null && typeof target === 'object' && !Array.isArray(target)) target[op.key] = op.value;
  }
  return copy;
}

export const edgeValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(
    0,
    -1,
    -0.0001,
    1e308,
    -1e308,
    5e-324,
    2 ** 53 + 1,
    '',
    ' ',
    'NaN',
    '.inf',
    'L1L2L3',
    '1.6',
  ),
  fc.constantFrom<Json>(
    null,
    true,
    false,
    [],
    {},
    '💥',
    'Europe/Nowhere',
    '999999/1V',
    '230/400V',
    'x'.repeat(5000),
  ),
  fc.double() as fc.Arbitrary<Json>,
  fc.integer() as fc.Arbitrary<Json>,
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
);

export const treeOp: fc.Arbitrary<TreeOp> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: edgeValue }),
  fc.record({ kind: fc.constant('borrow' as const), at: fc.nat(), from: fc.nat() }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('add-key' as const),
    at: fc.nat(),
    key: fc.oneof(
      fc.constantFrom('limitA', 'id', 'parent', 'ports', 'zz', '__proto__', 'constructor'),
      fc.string(),
    ),
    value: edgeValue,
  }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat() }),
);
