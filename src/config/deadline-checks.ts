/** Deadline mode's assumptions (stays, energies) where they can do nothing: a warning, not an error. */
import type { DocPath } from './config-problem.ts';
import type { ParsedSections } from './parse-sections.ts';
import type { Report } from './problem-list.ts';

/** Warns at every stay or energy assumption of a site with neither deadline mode nor the planner. */
export function checkDeadlineSettings(parsed: ParsedSections, report: Report): void {
  const allocation = parsed.site?.allocation;
  if (allocation?.mode === 'deadline' || allocation?.planner?.enabled) return;
  const unused = (path: DocPath): void =>
    report.warning(
      path,
      'has no effect: only deadline mode (site.allocation.mode: deadline) and the planner use it',
    );
  for (const key of ['defaultStayH', 'defaultEnergyKwh'] as const)
    if (allocation?.[key] !== undefined) unused(['site', 'allocation', key]);
  for (const { index, value: station } of parsed.stations) {
    for (const key of ['stayH', 'energyKwh'] as const) {
      if (station[key] !== undefined) unused(['stations', index, key]);
      station.ports.forEach((port, k) => {
        if (port[key] !== undefined) unused(['stations', index, 'ports', k, key]);
      });
    }
  }
}
