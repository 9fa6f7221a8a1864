/** Which meter measures which circuit: the `meter`/`pv` keys of circuits and the `circuit` key of meters. */
import type { SiteMeter } from '../core/site.ts';
import type { CircuitTree } from './circuit-tree.ts';
import type { ParsedSections } from './parse-sections.ts';
import type { Report } from './problem-list.ts';
import type { MeterConfig } from './schema.ts';
import { notFound } from './suggest-key.ts';

export interface MeterLinks {
  readonly meters: readonly SiteMeter[];
  /** Circuit id → the load meter that measures it (DLM). */
  readonly loadMeterOf: ReadonlyMap<string, string>;
  /** Circuit id → PV meters whose production counts on it. */
  readonly pvMetersOf: ReadonlyMap<string, readonly string[]>;
}

/**
 * Links meters and circuits. Either side may name the other: a circuit's `meter`/`pv`, or a meter's `circuit`
 * (a load meter then measures that circuit, a PV meter counts on it); when both do, they must agree.
 */
export function linkMeters(parsed: ParsedSections, tree: CircuitTree, report: Report): MeterLinks {
  const meters = uniqueMeters(parsed, report);
  const attachedTo = new Map<string, string>();
  for (const { index, value } of meters.values()) {
    if (value.circuit === undefined) continue;
    if (tree.byId.has(value.circuit)) attachedTo.set(value.id, value.circuit);
    else if (!parsed.writtenIds.circuits.has(value.circuit)) {
      report.error(['meters', index, 'circuit'], notFound('circuit', value.circuit, [...tree.byId.keys()]));
    }
  }
  const lookup = (id: string, path: (string | number)[]): MeterEntry | undefined => {
    const m = meters.get(id);
    if (!m && !parsed.writtenIds.meters.has(id))
      report.error(path, notFound('meter', id, [...meters.keys()]));
    return m;
  };

  const loadMeterOf = new Map<string, string>();
  const measures = new Map<string, string>();
  const pvMetersOf = new Map<string, string[]>();
  for (const c of tree.ordered) {
    const ref = c.config.meter;
    if (ref !== undefined) {
      const path = [...c.path, 'meter'];
      const m = lookup(ref, path);
      if (m && m.value.role !== 'load') {
        report.error(
          path,
          `meter '${ref}' is a ${m.value.role} meter; \`meter\` takes the load meter that measures this circuit`,
        );
      } else if (m && (attachedTo.get(ref) ?? c.id) !== c.id) {
        report.error(
          path,
          `meter '${ref}' is attached to circuit '${attachedTo.get(ref)}' (meters[${m.index}].circuit)`,
        );
      } else if (m && measures.has(ref)) {
        report.error(path, `meter '${ref}' already measures circuit '${measures.get(ref)}'`);
      } else if (m) {
        loadMeterOf.set(c.id, ref);
        measures.set(ref, c.id);
        attachedTo.set(ref, c.id);
      }
    }
    c.config.pv.forEach((pvId, k) => {
      const path = [...c.path, 'pv', k];
      const m = lookup(pvId, path);
      if (!m) return;
      if (m.value.role !== 'pv') {
        report.error(path, `meter '${pvId}' is a ${m.value.role} meter; \`pv\` takes PV meters`);
        return;
      }
      const at = attachedTo.get(pvId);
      // PV production helps the circuit it feeds into and every circuit above it, nothing else.
      if (at !== undefined && !isAncestorOrSelf(tree, c.id, at)) {
        report.error(
          path,
          `PV meter '${pvId}' is attached to circuit '${at}', which is not '${c.id}' or below it`,
        );
        return;
      }
      pvMetersOf.set(c.id, [...(pvMetersOf.get(c.id) ?? []), pvId]);
    });
  }

  // A PV meter named only by circuits is attached to the deepest of them.
  for (const c of [...tree.ordered].reverse()) {
    for (const pvId of pvMetersOf.get(c.id) ?? []) if (!attachedTo.has(pvId)) attachedTo.set(pvId, c.id);
  }
  for (const { index, value } of meters.values()) {
    const at = attachedTo.get(value.id);
    if (at === undefined) {
      if (value.circuit === undefined) {
        report.error(['meters', index], `meter '${value.id}' is attached to no circuit: give it \`circuit\``);
      }
      continue;
    }
    if (value.circuit === undefined) continue;
    if (value.role === 'load' && !measures.has(value.id)) {
      const other = loadMeterOf.get(at);
      if (other !== undefined) {
        report.error(['meters', index, 'circuit'], `circuit '${at}' is already measured by meter '${other}'`);
      } else {
        loadMeterOf.set(at, value.id);
        measures.set(value.id, at);
      }
    }
    if (value.role === 'pv' && !(pvMetersOf.get(at) ?? []).includes(value.id)) {
      pvMetersOf.set(at, [...(pvMetersOf.get(at) ?? []), value.id]);
    }
  }

  checkStaleNonEvLoad(tree, loadMeterOf, report);

  return { meters: siteMeters(meters, attachedTo), loadMeterOf, pvMetersOf };
}

type MeterEntry = { index: number; value: MeterConfig };

/** The meters by id; a repeated id is an error and only its first entry counts. */
function uniqueMeters(parsed: ParsedSections, report: Report): Map<string, MeterEntry> {
  const meters = new Map<string, MeterEntry>();
  for (const m of parsed.meters) {
    const first = parsed.writtenIds.meters.get(m.value.id) ?? m.index;
    if (first !== m.index)
      report.error(
        ['meters', m.index, 'id'],
        `duplicate meter id '${m.value.id}' (first used at meters[${first}])`,
      );
    else meters.set(m.value.id, m);
  }
  return meters;
}

/** `staleNonEvLoadA` warnings: ignored without a load meter, odd above the circuit's limit. */
function checkStaleNonEvLoad(
  tree: CircuitTree,
  loadMeterOf: ReadonlyMap<string, string>,
  report: Report,
): void {
  for (const c of tree.ordered) {
    const stale = c.config.staleNonEvLoadA;
    if (stale === undefined) continue;
    if (!loadMeterOf.has(c.id)) {
      report.warning([...c.path, 'staleNonEvLoadA'], 'ignored: this circuit has no load meter (SLM)');
    } else if (stale > c.config.limitA) {
      report.warning([...c.path, 'staleNonEvLoadA'], `is above the circuit's limit of ${c.config.limitA} A`);
    }
  }
}

/** The meters attached to a circuit, as the site model takes them. */
function siteMeters(
  meters: ReadonlyMap<string, MeterEntry>,
  attachedTo: ReadonlyMap<string, string>,
): SiteMeter[] {
  const out: SiteMeter[] = [];
  for (const { value } of meters.values()) {
    const circuitId = attachedTo.get(value.id);
    if (circuitId !== undefined)
      out.push({ id: value.id, role: value.role, circuitId, timeoutMs: value.timeoutMs });
  }
  return out;
}

function isAncestorOrSelf(tree: CircuitTree, ancestor: string, id: string): boolean {
  for (let c = tree.byId.get(id); c; c = c.parentId === null ? undefined : tree.byId.get(c.parentId)) {
    if (c.id === ancestor) return true;
  }
  return false;
}
