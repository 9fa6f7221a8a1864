/** The site's power flows now: grid, PV, battery, EVs, building. */
import type { Flows } from './api-types.ts';
import { fmtKw } from './format.ts';
import { msg } from './i18n.ts';

/** Five tiles; grid shows import or export, battery charging (positive) or discharging. */
export function PowerFlows({ flows }: { flows: Flows | null }) {
  const f = flows;
  const grid = f?.gridKw ?? null;
  const bat = f?.batteryKw ?? null;
  const t = msg();
  const tiles: [string, string, string][] = [
    [
      'grid',
      t.flowGrid,
      grid === null ? '–' : `${fmtKw(Math.abs(grid))} ${grid >= 0 ? t.gridImport : t.gridExport}`,
    ],
    ['pv', t.flowPv, fmtKw(f?.pvKw)],
    [
      'battery',
      t.flowBattery,
      bat === null ? '–' : `${fmtKw(Math.abs(bat))} ${bat >= 0 ? t.batteryCharging : t.batteryDischarging}`,
    ],
    ['ev', t.flowEvs, fmtKw(f?.evKw)],
    ['other', t.flowBuilding, fmtKw(f?.otherKw)],
  ];
  return (
    <dl class="flows" aria-label={t.flowsLabel} data-testid="flows">
      {tiles.map(([key, label, value]) => (
        <div key={key} class={`flow flow-${key}`}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** Flows from the last non-empty point of a history answer (when the live payload has none). */
export function flowsFromHistory(h: {
  t: number[];
  series: Record<string, (number | null)[]>;
}): Flows | null {
  for (let i = h.t.length - 1; i >= 0; i--) {
    const v = (k: string) => h.series[k]?.[i] ?? null;
    if (v('grid') !== null || v('ev') !== null)
      return {
        atMs: h.t[i]!,
        gridKw: v('grid'),
        pvKw: v('pv'),
        batteryKw: v('battery'),
        evKw: v('ev'),
        otherKw: v('other'),
      };
  }
  return null;
}
