/** `site.allocation.planner` against the rest of the file: its slot and the tariff's demand window. */
import type { Tariff } from '../core/tariff.ts';
import type { ParsedSections } from './parse-sections.ts';
import type { Report } from './problem-list.ts';

/**
 * The planner's slot must divide the tariff's demand window (it plans each window's average from whole
 * slots): an error; without a tariff it plans for energy alone: a warning.
 */
export function checkPlannerSettings(
  parsed: ParsedSections,
  tariff: Tariff | undefined,
  report: Report,
): void {
  const planner = parsed.site?.allocation?.planner;
  if (!planner?.enabled) return;
  const path = ['site', 'allocation', 'planner'];
  if (!parsed.tariff) {
    report.warning(path, 'without a tariff section the planner plans for energy alone (every kWh costs 0)');
    return;
  }
  const slotMin = planner.slotMin ?? 15;
  const windowMin = (tariff?.demandWindowMs ?? 15 * 60_000) / 60_000;
  if (tariff && windowMin % slotMin !== 0)
    report.error(
      planner.slotMin === undefined ? path : [...path, 'slotMin'],
      `a slot of ${slotMin} min does not divide the tariff's demand window of ${windowMin} min`,
    );
}
