/** The circuit tree as written: parent links checked, cycles found, supplies inherited and margins resolved. */
import type { Supply } from '../core/site.ts';
import type { DocPath } from './config-problem.ts';
import type { ParsedSections } from './parse-sections.ts';
import type { Report } from './problem-list.ts';
import type { CircuitConfig } from './schema.ts';
import { round } from './round.ts';
import { notFound } from './suggest-key.ts';
import { resolveSupply } from './supply-systems.ts';

/** A circuit with everything it inherits resolved. */
export interface TreeCircuit {
  readonly id: string;
  readonly index: number;
  readonly path: DocPath;
  readonly config: CircuitConfig;
  /** Null for a root, and for a circuit whose parent link is broken (already reported). */
  readonly parentId: string | null;
  readonly supply: Supply;
  readonly marginA: number;
  /** 0 for a root. */
  readonly depth: number;
}

export interface CircuitTree {
  readonly byId: ReadonlyMap<string, TreeCircuit>;
  /** Parents before children, roots in file order, children in file order. */
  readonly ordered: readonly TreeCircuit[];
  readonly childrenOf: ReadonlyMap<string, readonly TreeCircuit[]>;
}

/** Checks ids, parents and cycles, and resolves supplies and margins. */
export function resolveCircuitTree(parsed: ParsedSections, siteSupply: Supply, report: Report): CircuitTree {
  const configs = new Map<string, { index: number; value: CircuitConfig }>();
  for (const c of parsed.circuits) {
    const first = parsed.writtenIds.circuits.get(c.value.id) ?? c.index;
    if (first !== c.index) {
      report.error(
        ['circuits', c.index, 'id'],
        `duplicate circuit id '${c.value.id}' (first used at circuits[${first}])`,
      );
    } else {
      configs.set(c.value.id, c);
    }
  }

  // A circuit whose parent link is unusable is treated as a root, so that what hangs below it is still checked.
  const parentOf = new Map<string, string | null>();
  for (const [id, { index, value }] of configs) {
    const parent = value.parent;
    if (parent === undefined) parentOf.set(id, null);
    else if (parent === id) {
      report.error(['circuits', index, 'parent'], `circuit '${id}' cannot be its own parent`);
      parentOf.set(id, null);
    } else if (!configs.has(parent)) {
      if (!parsed.writtenIds.circuits.has(parent)) {
        report.error(['circuits', index, 'parent'], notFound('parent circuit', parent, [...configs.keys()]));
      }
      parentOf.set(id, null);
    } else parentOf.set(id, parent);
  }
  breakCycles(configs, parentOf, report);

  const childrenIds = new Map<string | null, string[]>();
  for (const [id, parent] of parentOf) {
    const list = childrenIds.get(parent) ?? [];
    list.push(id);
    childrenIds.set(parent, list);
  }
  const byId = new Map<string, TreeCircuit>();
  const ordered: TreeCircuit[] = [];
  const childrenOf = new Map<string, TreeCircuit[]>();
  const visit = (id: string, parent: TreeCircuit | null): void => {
    const { index, value } = configs.get(id)!;
    const path = ['circuits', index];
    const supply = value.supply ? resolveSupply(value.supply) : (parent?.supply ?? siteSupply);
    const node: TreeCircuit = {
      id,
      index,
      path,
      config: value,
      parentId: parent?.id ?? null,
      supply,
      marginA: resolveMargin(value, path, report),
      depth: parent ? parent.depth + 1 : 0,
    };
    byId.set(id, node);
    ordered.push(node);
    if (parent) childrenOf.get(parent.id)!.push(node);
    childrenOf.set(id, []);
    for (const child of childrenIds.get(id) ?? []) visit(child, node);
  };
  for (const root of childrenIds.get(null) ?? []) visit(root, null);
  return { byId, ordered, childrenOf };
}

/** Reports each cycle once (on its first circuit in the file) and cuts it there, making that circuit a root. */
function breakCycles(
  configs: ReadonlyMap<string, { index: number }>,
  parentOf: Map<string, string | null>,
  report: Report,
): void {
  const done = new Set<string>();
  for (const start of configs.keys()) {
    const chain: string[] = [];
    const onChain = new Set<string>();
    let id: string | null = start;
    while (id !== null && !done.has(id) && !onChain.has(id)) {
      chain.push(id);
      onChain.add(id);
      id = parentOf.get(id) ?? null;
    }
    if (id !== null && onChain.has(id)) {
      const cycle = chain.slice(chain.indexOf(id));
      const first = cycle.reduce((a, b) => (configs.get(a)!.index <= configs.get(b)!.index ? a : b));
      const from = cycle.indexOf(first);
      const loop = [...cycle.slice(from), ...cycle.slice(0, from), first];
      report.error(
        ['circuits', configs.get(first)!.index, 'parent'],
        `circuits form a cycle: ${loop.join(' → ')}`,
      );
      parentOf.set(first, null);
    }
    for (const c of chain) done.add(c);
  }
}

function resolveMargin(c: CircuitConfig, path: DocPath, report: Report): number {
  const marginA = c.marginA ?? (c.marginPct !== undefined ? (c.limitA * c.marginPct) / 100 : 0);
  if (marginA >= c.limitA) {
    report.error(
      [...path, c.marginA !== undefined ? 'marginA' : 'marginPct'],
      `a margin of ${round(marginA)} A leaves nothing of the ${c.limitA} A limit`,
    );
  }
  return marginA;
}
