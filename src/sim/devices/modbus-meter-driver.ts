/** Drives a simulated meter from a profile: updates values on a timer and integrates the energy counters. */
import type { SimulatedMeters } from './modbus-meter-server.ts';
import { fromPhases, pvValues } from './modbus-meter-values.ts';
import type { LoadProfile } from '../world/profiles.ts';

export interface ProfileDriver {
  stop(): void;
}

interface DriveOptions {
  readonly intervalMs?: number | undefined;
  readonly nowMs?: (() => number) | undefined;
  readonly voltageV?: number | undefined;
}

function drive(
  meters: SimulatedMeters,
  unitId: number,
  tick: (atMs: number, dtH: number) => void,
  o: DriveOptions,
): ProfileDriver {
  const now = o.nowMs ?? Date.now;
  let last = now();
  tick(last, 0);
  const timer = setInterval(() => {
    const t = now();
    tick(t, (t - last) / 3_600_000);
    last = t;
  }, o.intervalMs ?? 250);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/** Feeds a load meter (e.g. the SDM630 at the grid connection) from a per-phase current profile. */
export function driveLoadMeter(
  meters: SimulatedMeters,
  unitId: number,
  profile: LoadProfile,
  o: DriveOptions = {},
): ProfileDriver {
  const v = o.voltageV ?? 230;
  return drive(
    meters,
    unitId,
    (atMs, dtH) => {
      const values = fromPhases([...profile(atMs)], [v, v, v]);
      const before = meters.values(unitId);
      meters.set(unitId, {
        ...values,
        energyImportKwh: before.energyImportKwh + Math.max(0, values.powerKw) * dtH,
        energyExportKwh: before.energyExportKwh + Math.max(0, -values.powerKw) * dtH,
      });
    },
    o,
  );
}

/** Feeds a PV inverter (e.g. SunSpec 103) from a production profile in kW. */
export function drivePvInverter(
  meters: SimulatedMeters,
  unitId: number,
  productionKw: (atMs: number) => number,
  o: DriveOptions = {},
): ProfileDriver {
  return drive(
    meters,
    unitId,
    (atMs, dtH) => {
      const kw = productionKw(atMs);
      const before = meters.values(unitId);
      meters.set(unitId, {
        ...pvValues(kw, o.voltageV ?? 230),
        energyExportKwh: before.energyExportKwh + kw * dtH,
      });
    },
    o,
  );
}
