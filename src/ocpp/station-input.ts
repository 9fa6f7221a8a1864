/**
 * What a station reports is checked before Fusebox uses it (docs/ocpp.md "Implausible readings and station
 * clocks"): meter values must be what the port can physically draw, timestamps must be near Fusebox's clock
 * or plausibly queued while the station was offline. A rejected value is answered (the station is not broken
 * by it) but not used; the station's problem is logged and recorded once per station and kind, then at most
 * every NOTICE_INTERVAL_MS with the count since.
 */
import { CLOCK_AHEAD_MS } from '../contracts/station-gateway.ts';
import type { MeterSample } from './meter-sample.ts';
import type { PortInfo } from './port-directory.ts';
import { currentToWatts } from './port-directory.ts';

/**
 * A timestamp not tied to a session (a session's start, a status report) may be this old: a station queues
 * transaction messages while offline and sends them when back, hours later.
 */
export const MAX_QUEUED_AGE_MS = 24 * 3_600_000;

/** Currents and power up to this multiple of the port's maximum are plausible (meter error, overdraw). */
export const READING_MARGIN = 1.25;
/** Import values below zero by up to this share of the port's maximum are noise, not an error. */
export const NEGATIVE_SHARE = 0.02;
/** An energy register may read this much below the session's highest reading (a register sent in kWh). */
export const ENERGY_BACKWARDS_WH = 1000;
/** Beyond the time elapsed, a session's register may rise as if it ran this much longer (clocks, rounding). */
export const ENERGY_SLACK_MS = 3_600_000;
/** No charger's register reads above this (100 GWh: a 350 kW charger running flat out for 30 years). */
export const ENERGY_MAX_WH = 1e11;

/** Log and record a station's problem at most once per this interval and kind, in ms. */
export const NOTICE_INTERVAL_MS = 15 * 60_000;

export interface ClockVerdict {
  /** The time Fusebox uses. */
  readonly atMs: number;
  /** Why the station's timestamp was not used; undefined when it was. */
  readonly problem?: string | undefined;
}

/**
 * The time to use for a station's timestamp received at `receivedMs`. Within a session (`notBeforeMs` its
 * start) any time from the start to CLOCK_AHEAD_MS after receipt is kept; otherwise up to MAX_QUEUED_AGE_MS
 * old. Anything else, or an unreadable timestamp, is replaced by the receive time. Never before `notBeforeMs`.
 */
export function stationTime(stationMs: number, receivedMs: number, notBeforeMs?: number): ClockVerdict {
  let problem: string | undefined;
  if (!Number.isFinite(stationMs)) problem = 'an unreadable timestamp';
  else if (stationMs > receivedMs + CLOCK_AHEAD_MS)
    problem = `${iso(stationMs)}, ${minutes(stationMs - receivedMs)} ahead of Fusebox's clock`;
  else if (notBeforeMs !== undefined && stationMs < notBeforeMs)
    problem = `${iso(stationMs)}, before its session started (${iso(notBeforeMs)})`;
  else if (notBeforeMs === undefined && stationMs < receivedMs - MAX_QUEUED_AGE_MS)
    problem = `${iso(stationMs)}, ${minutes(receivedMs - stationMs)} behind Fusebox's clock`;
  const atMs = problem === undefined ? stationMs : receivedMs;
  return { atMs: Math.max(atMs, notBeforeMs ?? -Infinity), problem };
}

const iso = (ms: number): string => new Date(ms).toISOString();
const minutes = (ms: number): string =>
  ms >= 2 * 3_600_000 ? `${Math.round(ms / 3_600_000)} h` : `${Math.round(ms / 60_000)} min`;

/** What a port can draw: its maximum current per conductor and power over all, before the margin. */
export interface PortBounds {
  readonly maxCurrentA: number;
  readonly maxPowerW: number;
}

/**
 * Lowest DC output voltage assumed for a DC port's current, in V: a DC charger may report its output current
 * (its maximum power at a low battery voltage) rather than its AC input current.
 */
export const DC_MIN_VOLTAGE_V = 150;

export function portBounds(info: PortInfo): PortBounds {
  const { port } = info;
  const maxPowerW =
    port.maxPowerKw !== undefined
      ? port.maxPowerKw * 1000
      : currentToWatts(port.maxCurrentA, info, info.conductors);
  const maxCurrentA =
    port.currentType === 'DC' ? Math.max(port.maxCurrentA, maxPowerW / DC_MIN_VOLTAGE_V) : port.maxCurrentA;
  return { maxCurrentA, maxPowerW };
}

/** The session a reading belongs to, for the checks of its energy register. */
export interface EnergyContext {
  readonly startedMs: number;
  /** The register at the session's start (or its first reading), in Wh. */
  readonly startWh?: number | undefined;
  /** The session's highest register so far, in Wh. */
  readonly lastWh?: number | undefined;
}

/** Why `wh` cannot be the register of a session in `session` at `atMs`; undefined when plausible. */
export function energyProblem(
  wh: number,
  bounds: PortBounds | undefined,
  session: EnergyContext | undefined,
  atMs: number,
): string | undefined {
  if (!Number.isFinite(wh) || wh < 0 || wh > ENERGY_MAX_WH) return `Energy.Active.Import.Register ${wh} Wh`;
  if (!session) return undefined;
  const floorWh = Math.max(session.startWh ?? -Infinity, session.lastWh ?? -Infinity);
  if (wh < floorWh - ENERGY_BACKWARDS_WH)
    return `Energy.Active.Import.Register ${wh} Wh, below the session's ${floorWh} Wh`;
  const baseWh = session.startWh ?? session.lastWh;
  if (bounds && baseWh !== undefined) {
    const hours = (Math.max(0, atMs - session.startedMs) + ENERGY_SLACK_MS) / 3_600_000;
    const maxRiseWh = bounds.maxPowerW * READING_MARGIN * hours;
    if (wh - baseWh > maxRiseWh)
      return (
        `Energy.Active.Import.Register ${wh} Wh, ${Math.round(wh - baseWh)} Wh since the session's start ` +
        `(at most ${Math.round(maxRiseWh)} Wh)`
      );
  }
  return undefined;
}

const outside = (v: number | undefined, max: number): boolean =>
  v !== undefined && (!Number.isFinite(v) || v > max * READING_MARGIN || v < -max * NEGATIVE_SHARE);

/**
 * The sample with what the port cannot have measured removed: all currents when any is outside
 * [−2 %, +125 %] of the port's maximum current, the power likewise against its maximum power, an implausible
 * energy register (energyProblem), a SoC outside 0-100 %. Returns what was removed, for the log.
 */
export function checkSample(
  sample: MeterSample,
  bounds: PortBounds | undefined,
  session: EnergyContext | undefined,
  receivedMs: number,
): { readonly sample: MeterSample; readonly problems: readonly string[] } {
  const problems: string[] = [];
  let out: MeterSample = sample;
  if (bounds) {
    const currents = [...sample.phaseCurrentA, sample.unphasedCurrentA];
    if (currents.some((a) => outside(a, bounds.maxCurrentA))) {
      const shown = currents.filter((a) => a !== undefined).join(', ');
      problems.push(`Current.Import ${shown} A (port maximum ${bounds.maxCurrentA} A)`);
      out = { ...out, phaseCurrentA: [undefined, undefined, undefined], unphasedCurrentA: undefined };
    }
    if (outside(sample.powerW, bounds.maxPowerW)) {
      problems.push(`Power.Active.Import ${sample.powerW} W (port maximum ${bounds.maxPowerW} W)`);
      out = { ...out, powerW: undefined };
    }
  }
  if (sample.energyWh !== undefined) {
    const problem = energyProblem(sample.energyWh, bounds, session, Math.max(sample.atMs, receivedMs));
    if (problem) {
      problems.push(problem);
      out = { ...out, energyWh: undefined };
    }
  }
  if (sample.socPct !== undefined && !(sample.socPct >= 0 && sample.socPct <= 100)) {
    problems.push(`SoC ${sample.socPct} %`);
    out = { ...out, socPct: undefined };
  }
  return { sample: out, problems };
}

/** Counts a station's problems of one kind and says when one should be logged (rate limit). */
export class StationNotices {
  private readonly last = new Map<string, { atMs: number; suppressed: number }>();

  /**
   * Whether to log a problem of `kind` from `stationId` now; `suppressed` is how many were not logged since
   * the last one that was.
   */
  take(stationId: string, kind: string, nowMs: number): { log: boolean; suppressed: number } {
    const key = `${kind}\u0000${stationId}`;
    const entry = this.last.get(key);
    if (entry && nowMs - entry.atMs < NOTICE_INTERVAL_MS) {
      entry.suppressed++;
      return { log: false, suppressed: entry.suppressed };
    }
    this.last.set(key, { atMs: nowMs, suppressed: 0 });
    return { log: true, suppressed: entry?.suppressed ?? 0 };
  }
}
