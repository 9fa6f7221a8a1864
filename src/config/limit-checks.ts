/** Warnings and errors about limits that only make sense on the whole tree: levels, schedules, port sizes. */
import type { CompiledSite } from '../core/compiled-site.ts';
import { portLoadFactors, DIM_COUNT } from '../core/compiled-site.ts';
import { validateSchedule } from '../core/schedule.ts';
import type { Supply } from '../core/site.ts';
import type { CircuitTree, TreeCircuit } from './circuit-tree.ts';
import type { DocPath } from './config-problem.ts';
import type { Report } from './problem-list.ts';
import { round } from './round.ts';
import { sameSupply } from '../core/site.ts';
import { supplyLabel } from './supply-systems.ts';

/**
 * A child's per-phase limit expressed as current on its parent's side. Across a transformer the apparent
 * power is kept: three phase to three phase by the line-to-neutral ratio; a split or single-phase secondary
 * is taken as fed line to line from a multi-phase primary.
 */
export function limitOnParentSideA(limitA: number, child: Supply, parent: Supply): number {
  if (sameSupply(child, parent)) return limitA;
  if (child.phases.length === 3 && parent.phases.length === 3) {
    return (limitA * child.lineToNeutralV) / parent.lineToNeutralV;
  }
  const kva =
    child.phases.length === 3
      ? 3 * limitA * child.lineToNeutralV
      : child.phases.length === 2
        ? limitA * child.lineToLineV
        : limitA * child.lineToNeutralV;
  return kva / (parent.phases.length >= 2 ? parent.lineToLineV : parent.lineToNeutralV);
}

/** Child limits above their parent's, pseudo-transformers, schedules that never lower anything. */
export function checkTreeLimits(tree: CircuitTree, report: Report): void {
  for (const c of tree.ordered) {
    const parent = c.parentId === null ? undefined : tree.byId.get(c.parentId);
    if (parent) checkAgainstParent(c, parent, report);
    checkSchedule(c, report);
  }
}

function checkAgainstParent(c: TreeCircuit, parent: TreeCircuit, report: Report): void {
  const onParent = limitOnParentSideA(c.config.limitA, c.supply, parent.supply);
  if (onParent > parent.config.limitA + 1e-9) {
    const across = sameSupply(c.supply, parent.supply)
      ? ''
      : ` (${round(onParent)} A at ${supplyLabel(parent.supply)} across the transformer)`;
    report.warning(
      [...c.path, 'limitA'],
      `${c.config.limitA} A${across} is above the ${parent.config.limitA} A of parent '${parent.id}': ` +
        `the parent's limit is the one that holds`,
    );
  }
  const kw = c.config.limitKw;
  const parentKw = parent.config.limitKw;
  if (kw !== undefined && parentKw !== undefined && kw > parentKw) {
    report.warning([...c.path, 'limitKw'], `${kw} kW is above the ${parentKw} kW of parent '${parent.id}'`);
  }
  const branch =
    !sameSupply(c.supply, parent.supply) &&
    c.supply.lineToNeutralV === parent.supply.lineToNeutralV &&
    c.supply.phases.length < parent.supply.phases.length;
  if (branch && c.config.kind !== 'transformer') {
    // The core treats a change of supply as a transformer and counts the load on every primary phase.
    report.warning(
      [...c.path, 'supply'],
      `a single-phase branch of a ${supplyLabel(parent.supply)} panel is not a transformer: keep the parent's ` +
        `supply and wire the ports to one phase (e.g. phases: L2), or the load counts on every phase upstream`,
    );
  }
}

function checkSchedule(c: TreeCircuit, report: Report): void {
  const schedule = c.config.schedule;
  if (!schedule) return;
  // The schema already enforces these rules; the core's own validator is the backstop that keeps both in step.
  for (const message of validateSchedule(schedule)) {
    const [where = '', ...rest] = message.split(': ');
    report.error([...c.path, 'schedule', ...parseDotted(where)], rest.join(': '));
  }
  const check = (
    entry: { limitA?: number | undefined; limitKw?: number | undefined },
    path: DocPath,
  ): void => {
    if (entry.limitA !== undefined && entry.limitA >= c.config.limitA) {
      report.warning(
        [...path, 'limitA'],
        `${entry.limitA} A is not below the circuit's ${c.config.limitA} A: schedules can only lower a limit`,
      );
    }
    const kw = c.config.limitKw;
    if (entry.limitKw !== undefined && kw !== undefined && entry.limitKw >= kw) {
      report.warning(
        [...path, 'limitKw'],
        `${entry.limitKw} kW is not below the circuit's ${kw} kW: schedules can only lower a limit`,
      );
    }
  };
  schedule.weekly.forEach((e, k) => check(e, [...c.path, 'schedule', 'weekly', k]));
  schedule.exceptions.forEach((e, k) => check(e, [...c.path, 'schedule', 'exceptions', k]));
}

/** `weekly[0].to` → ['weekly', 0, 'to']. */
function parseDotted(text: string): DocPath {
  const out: (string | number)[] = [];
  for (const m of text.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
  return out;
}

/**
 * Ports whose minimum no level above them can ever give (an error: they would never charge), and ports whose
 * maximum their own circuit cannot give (a warning).
 */
export function checkPortCapacity(
  cs: CompiledSite,
  portPaths: ReadonlyMap<string, DocPath>,
  report: Report,
): void {
  cs.ports.forEach((port, i) => {
    const path = portPaths.get(port.id) ?? [];
    const factors = portLoadFactors(cs, i);
    const levels = cs.portPath[i]!;
    levels.forEach((ci, level) => {
      const c = cs.circuits[ci]!;
      const usableA = c.limitA - c.marginA;
      let worstMinA = 0;
      let worstMaxA = 0;
      for (let d = 0; d < 3; d++) {
        const f = factors[level * DIM_COUNT + d]!;
        worstMinA = Math.max(worstMinA, port.minCurrentA * f);
        worstMaxA = Math.max(worstMaxA, port.maxCurrentA * f);
      }
      const minKw = port.minCurrentA * factors[level * DIM_COUNT + 3]!;
      if (worstMinA > usableA + 1e-9) {
        report.error(
          path,
          `port '${port.id}' needs ${round(worstMinA)} A at its minimum on circuit '${c.id}', which allows ` +
            `${round(usableA)} A after its margin: it could never charge`,
        );
      } else if (c.limitKw !== undefined && minKw > c.limitKw + 1e-9) {
        report.error(
          path,
          `port '${port.id}' needs ${round(minKw)} kW at its minimum on circuit '${c.id}', which allows ` +
            `${c.limitKw} kW: it could never charge`,
        );
      } else if (level === 0 && worstMaxA > usableA + 1e-9) {
        report.warning(
          path,
          `port '${port.id}' can draw ${round(worstMaxA)} A but circuit '${c.id}' allows ${round(usableA)} A ` +
            `after its margin: it never gets its maximum`,
        );
      }
    });
  });
}
