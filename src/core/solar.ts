/**
 * Solar charging modes (docs/control.md, "Solar modes"): `solar-only` ports charge from PV surplus only, starting and
 * stopping with hysteresis and minimum on/off times so contactors do not chatter; `min-plus-solar` ports
 * always get their minimum and take surplus above it. The result is a cap per port (the allocator's
 * `PortDemand.maxCurrentA`); circuit limits still apply on top.
 */
import type { ChargingMode } from './site.ts';

export interface SolarPort {
  readonly portId: string;
  readonly mode: Exclude<ChargingMode, 'fast'>;
  /** Minimum current in A per phase while charging. */
  readonly minCurrentA: number;
  /** kW drawn per A of limit on the conductors the car uses (e.g. 3 × 230 V = 0.69 kW/A). */
  readonly kwPerA: number;
  /** What the port draws now, in kW (0 when not measured). */
  readonly drawingKw: number;
}

export interface SolarInput {
  /**
   * PV surplus in kW: export at the grid connection (positive = exporting), i.e. what is left after all
   * loads including the solar ports themselves; null when unknown (then solar-only ports stay off).
   */
  readonly exportKw: number | null;
  readonly ports: readonly SolarPort[];
}

export interface SolarOptions {
  /** Surplus must suffice for this long before a solar-only port starts, in ms. */
  readonly startDelayMs: number;
  /** Surplus must be short for this long before a solar-only port stops, in ms. */
  readonly stopDelayMs: number;
  /** A started port runs at least this long, and a stopped one stays off at least this long, in ms. */
  readonly minOnMs: number;
  readonly minOffMs: number;
}

export const DEFAULT_SOLAR_OPTIONS: SolarOptions = {
  startDelayMs: 60_000,
  stopDelayMs: 3 * 60_000,
  minOnMs: 5 * 60_000,
  minOffMs: 3 * 60_000,
};

export interface SolarPortMemory {
  readonly on: boolean;
  /** When the port last turned on or off. */
  readonly sinceMs: number;
  /** Since when the surplus has been enough (while off) or short (while on); null when not. */
  readonly conditionSinceMs: number | null;
}

export interface SolarState {
  readonly ports: ReadonlyMap<string, SolarPortMemory>;
}

export const INITIAL_SOLAR_STATE: SolarState = { ports: new Map() };

export interface SolarResult {
  /** Cap per port in A; 0 pauses a solar-only port. */
  readonly caps: ReadonlyMap<string, number>;
  readonly state: SolarState;
}

/** Caps for the solar-mode ports at nowMs; pure: state in, state out. */
export function solarCaps(
  input: SolarInput,
  state: SolarState,
  nowMs: number,
  options: Partial<SolarOptions> = {},
): SolarResult {
  const opts = { ...DEFAULT_SOLAR_OPTIONS, ...options };
  // The surplus the solar ports may share: what is exported plus what they already draw themselves.
  let budgetKw = (input.exportKw ?? 0) + input.ports.reduce((s, p) => s + Math.max(0, p.drawingKw), 0);
  if (input.exportKw === null) budgetKw = 0;

  // Ports already on keep their claim first (longest on first), then the others in id order.
  const ordered = [...input.ports].sort((a, b) => {
    const ma = state.ports.get(a.portId);
    const mb = state.ports.get(b.portId);
    const onA = ma?.on ? 0 : 1;
    const onB = mb?.on ? 0 : 1;
    return onA - onB || (ma?.sinceMs ?? 0) - (mb?.sinceMs ?? 0) || (a.portId < b.portId ? -1 : 1);
  });

  // Minimum-plus-solar ports draw their minimum anyway; the PV they use for it is not left for others.
  let remainingKw = budgetKw;
  for (const p of ordered) if (p.mode === 'min-plus-solar') remainingKw -= p.minCurrentA * p.kwPerA;

  const next = new Map<string, SolarPortMemory>();
  const running: SolarPort[] = [];
  for (const p of ordered) {
    if (p.mode === 'min-plus-solar') {
      running.push(p);
      continue;
    }
    const mem = state.ports.get(p.portId) ?? {
      on: false,
      sinceMs: nowMs - opts.minOffMs,
      conditionSinceMs: null,
    };
    const needKw = p.minCurrentA * p.kwPerA;
    const enough = remainingKw >= needKw - 1e-9;
    let { on, sinceMs, conditionSinceMs } = mem;
    // Hysteresis, the same both ways: the switching condition (too little PV while on, enough while off)
    // must hold for the stop or start delay, and the port must have been on or off for its minimum time.
    const switching = on ? !enough : enough;
    conditionSinceMs = switching ? (conditionSinceMs ?? nowMs) : null;
    const delayMs = on ? opts.stopDelayMs : opts.startDelayMs;
    const minHeldMs = on ? opts.minOnMs : opts.minOffMs;
    if (conditionSinceMs !== null && nowMs - conditionSinceMs >= delayMs && nowMs - sinceMs >= minHeldMs) {
      on = !on;
      sinceMs = nowMs;
      conditionSinceMs = null;
    }
    next.set(p.portId, { on, sinceMs, conditionSinceMs });
    if (on) {
      running.push(p);
      remainingKw -= needKw;
    }
  }

  // Running ports share the surplus above their minimums equally (in kW).
  const extraKw = Math.max(0, remainingKw) / Math.max(1, running.length);
  const caps = new Map<string, number>();
  for (const p of input.ports) caps.set(p.portId, 0);
  for (const p of running) caps.set(p.portId, p.minCurrentA + extraKw / p.kwPerA);
  return { caps, state: { ports: next } };
}
