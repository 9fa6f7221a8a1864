/**
 * What `fusebox simulate` (simulate.ts) prints: the `--json` line, the table of runs, the sizing answers and
 * the placement notes and labels.
 */
import type { Tariff } from '../core/tariff.ts';
import type { RunMetrics } from '../sim/simulate/metrics.ts';
import type { PortAssignment } from '../sim/simulate/port-assignment.ts';
import type { RunOutcome } from '../sim/simulate/run-one.ts';
import type { SizingResult } from '../sim/simulate/sizing.ts';

type Out = (line: string) => void;

/** The `--json` line's fields for one run (names fixed by issue 7). */
export function jsonRun(m: RunMetrics): Record<string, number | string> {
  const r = (x: number, d: number): number => Number(x.toFixed(d));
  return {
    policy: m.policy,
    capacityKw: r(m.capacityKw, 3),
    demandMetPct: r(m.demandMetPct, 4),
    sessionsFullyServedPct: r(m.sessionsFullyServedPct, 4),
    peakKw: r(m.peakKw, 3),
    demandPeakKw: r(m.demandPeakKw, 3),
    energyCost: r(m.energyCost, 2),
    demandCharge: r(m.demandCharge, 2),
    violationAmpSeconds: r(m.violationAmpSeconds, 3),
    jainIndex: r(m.jainIndex, 4),
    stepP99Ms: r(m.stepP99Ms, 4),
    turnedAwaySessions: m.turnedAwaySessions,
    turnedAwayKwh: r(m.turnedAwayKwh, 3),
    ...(m.batteryThroughputKwh === undefined
      ? {}
      : {
          batteryThroughputKwh: r(m.batteryThroughputKwh, 3),
          batteryFinalSocPct: r(m.batteryFinalSocPct ?? 0, 3),
        }),
  };
}

/** The one `--json` line: the runs, and the sizing answers if any. */
export function printJson(runs: readonly RunOutcome[], sizing: readonly SizingResult[], out: Out): void {
  const line: Record<string, unknown> = { runs: runs.map((r) => jsonRun(r.metrics)) };
  if (sizing.length > 0)
    line.sizing = sizing.map((s) => ({
      policy: s.policy,
      targetPct: s.targetPct,
      basis: s.basis,
      capacityKw: s.capacityKw,
      demandMetPct: Number(s.demandMetPct.toFixed(4)),
    }));
  out(JSON.stringify(line));
}

/** The table of runs: one line per policy and capacity (cost and battery columns when they apply). */
export function printRuns(
  runs: readonly RunOutcome[],
  tariff: Tariff | undefined,
  battery: boolean,
  out: Out,
): void {
  if (runs.length === 0) return;
  out(
    'policy         capacity kW  demand met %  fully served %  turned away (kWh)  peak kW  15-min kW  violation A·s  Jain   p99 ms' +
      (tariff ? '  energy $  demand $' : '') +
      (battery ? '  battery kWh  SoC %' : ''),
  );
  for (const { metrics: m } of runs)
    out(
      `${m.policy.padEnd(14)} ${m.capacityKw.toFixed(1).padStart(11)}  ${m.demandMetPct.toFixed(2).padStart(12)}  ${m.sessionsFullyServedPct.toFixed(1).padStart(14)}  ${`${m.turnedAwaySessions} (${m.turnedAwayKwh.toFixed(0)})`.padStart(17)}  ${m.peakKw.toFixed(1).padStart(7)}  ${m.demandPeakKw.toFixed(1).padStart(9)}  ${m.violationAmpSeconds.toFixed(0).padStart(13)}  ${m.jainIndex.toFixed(3)}  ${m.stepP99Ms.toFixed(3).padStart(6)}${tariff ? `  ${m.energyCost.toFixed(2).padStart(8)}  ${m.demandCharge.toFixed(2).padStart(8)}` : ''}${battery ? `  ${(m.batteryThroughputKwh ?? 0).toFixed(1).padStart(11)}  ${(m.batteryFinalSocPct ?? 0).toFixed(1).padStart(5)}` : ''}${m.lpBoundPct === undefined ? '' : `  (LP bound ${m.lpBoundPct.toFixed(2)} %)`}`,
    );
}

/** The sizing answers: the smallest capacity meeting the target, or why it is out of reach. */
export function printSizing(
  sizing: readonly SizingResult[],
  sessions: number,
  placement: PortAssignment,
  out: Out,
): void {
  const pluggedIn = sessions - placement.turnedAwaySessions;
  for (const s of sizing) {
    const of =
      s.basis === 'all'
        ? 'of demand'
        : `of the demand of the ${pluggedIn} car(s) that found a port (${placement.turnedAwaySessions} turned away)`;
    out(
      s.capacityKw === null
        ? `${s.policy}: ${s.targetPct} % ${of} is out of reach (uncontrolled meets ${s.ceilingPct.toFixed(2)} %${s.basis === 'all' && placement.turnedAwaySessions > 0 ? `; ${placement.turnedAwaySessions} session(s) turned away for want of a free port, whatever the capacity` : ''})`
        : `${s.policy}: smallest capacity meeting ≥ ${s.targetPct} % ${of}: ${s.capacityKw.toFixed(1)} kW (${s.demandMetPct.toFixed(2)} % met)`,
    );
  }
}

/** What placing the cars on ports did, for stderr: cars turned away, and why. */
export function placementNotes(p: PortAssignment, ports: number): string[] {
  const away = `${p.turnedAwaySessions} session(s) (${p.turnedAwayKwh.toFixed(1)} kWh of demand)`;
  if (p.mode === 'free')
    return [
      p.turnedAwaySessions === 0
        ? `placement: each car on a free port of the network's ${ports}; none turned away`
        : `placement: each car on a free port of the network's ${ports}; ${away} turned away, every port occupied when they arrived (counted as demand not met)`,
    ];
  if (p.turnedAwaySessions === 0) return [];
  return [
    `placement: ${away} arrive while every port of their station is still occupied (stays that overlap in the data): ` +
      'turned away, counted as demand not met; --assign-ports free puts them on any free port',
  ];
}

export function placementLabel(p: PortAssignment, ports: number): string {
  const away =
    p.turnedAwaySessions === 0
      ? 'none turned away'
      : `${p.turnedAwaySessions} turned away (${p.turnedAwayKwh.toFixed(1)} kWh)`;
  return p.mode === 'free'
    ? `cars on free ports (${ports} ports, ${away})`
    : `cars on their stations' ports as in the data (${away})`;
}

export function networkLabel(network: string, sitePath: string | undefined): string {
  switch (network) {
    case 'caltech':
      return 'Caltech ACN, exact three-phase model';
    case 'caltech-linear':
      return 'Caltech ACN, linearized three-phase model';
    case 'site':
      return `site ${sitePath ?? ''}`;
    default:
      return 'aggregate (all stations on one circuit)';
  }
}
