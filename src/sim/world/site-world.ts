/**
 * The physics of a simulated site: per circuit and phase, the current that really flows =
 * what the cars draw (mapped through wiring and transformers by core loadOnCircuits) + non-EV load
 * profiles − PV production, all propagated up the tree. It produces the site meters' readings (import
 * positive, export negative), feeds them to the controller at a fixed rate as the Modbus poller would
 * (including going stale when a meter falls silent), and measures every overload against the limit in
 * force (static limit, lowered by its schedule): time over, ampere-seconds over, worst excess.
 */
import type { CompiledSite } from '../../core/compiled-site.ts';
import { DIM_COUNT } from '../../core/compiled-site.ts';
import { phaseIndex } from '../../core/phases.ts';
import { scheduledLimitAt } from '../../core/schedule.ts';
import type { MeterReading } from '../../contracts/meter-reading.ts';
import type { EvSpec } from './ev-model.ts';
import { EvModel } from './ev-model.ts';
import type { Injection } from './site-physics.ts';
import { circuitLoads, powerInjection } from './site-physics.ts';
import type { LoadProfile, PvProfile } from './profiles.ts';
import type { SimGateway } from '../devices/sim-gateway.ts';
import type { VirtualClock } from './virtual-clock.ts';
import type { SimBatterySpec } from '../devices/sim-battery.ts';
import { SimBattery, SimBatteryCommander } from '../devices/sim-battery.ts';

/** Where meter readings go: the control loop (or nothing while Fusebox is down). */
export interface MeterSink {
  onMeterReading(reading: MeterReading): void;
  onMeterStatus(meterId: string, stale: boolean): void;
}

/** A non-EV load on a circuit (the building, a workshop). */
export interface CircuitLoad {
  readonly circuitId: string;
  readonly profile: LoadProfile;
}

/** PV production measured by a site meter of role 'pv'; it feeds that meter's circuit. */
export interface PvSource {
  readonly meterId: string;
  readonly profile: PvProfile;
}

export interface SiteWorldOptions {
  readonly site: CompiledSite;
  readonly clock: VirtualClock;
  readonly gateway: SimGateway;
  readonly loads?: readonly CircuitLoad[] | undefined;
  readonly pv?: readonly PvSource[] | undefined;
  /** Batteries of the site (cs.site.batteries), simulated (sim-battery.ts); by battery id. */
  readonly batteries?: readonly SimBatterySpec[] | undefined;
  /** Meter readings every this many ms (default 1000). */
  readonly meterIntervalMs?: number | undefined;
  /** Physics step in ms: cars advance and overloads are measured at this resolution (default 250). */
  readonly tickMs?: number | undefined;
}

/** Overload of one circuit in one dimension (L1, L2, L3 in A; kW). */
export interface Overload {
  readonly circuitId: string;
  readonly dimension: 'L1' | 'L2' | 'L3' | 'kW';
  /** Time over the limit in ms. */
  overMs: number;
  /** Integral of the excess over time: A·s (kW·s for kW). */
  overIntegral: number;
  /** Largest excess seen (A or kW). */
  maxOver: number;
  firstAtMs: number | null;
  lastAtMs: number | null;
}

/** One physics step, for scenario-specific measurements. */
export interface WorldSample {
  readonly atMs: number;
  readonly tickMs: number;
  /** Net load per circuit: circuits × DIM_COUNT (L1, L2, L3 in A, kW), indexed like CompiledSite.circuits. */
  readonly circuits: Float64Array;
  /** Limit in force per circuit: circuits × DIM_COUNT (A per phase, kW; Infinity when none). */
  readonly limits: Float64Array;
}

interface MeterState {
  readonly id: string;
  readonly role: 'load' | 'pv' | 'battery';
  readonly circuitIdx: number;
  readonly timeoutMs: number;
  silent: boolean;
  /** As the poller sees it: stale until the first reading after (re)connecting. */
  stale: boolean;
  staleTimer: unknown;
  importKwh: number;
  exportKwh: number;
}

interface PlacedEv {
  readonly portId: string;
  readonly ev: EvModel;
  plugged: boolean;
  left: boolean;
}

const EPS = 1e-6;

export class SiteWorld {
  readonly cs: CompiledSite;
  readonly clock: VirtualClock;
  readonly gateway: SimGateway;
  readonly tickMs: number;
  readonly meterIntervalMs: number;
  private readonly loads: { readonly ci: number; readonly profile: LoadProfile }[];
  private readonly pv: { readonly meter: MeterState; readonly profile: PvProfile }[];
  private readonly meters: MeterState[];
  private readonly overloads: Overload[];
  private readonly limitCache: { limitA: number; limitKw: number; fromMs: number; untilMs: number }[];
  private readonly placed: PlacedEv[] = [];
  private readonly tickListeners: ((s: WorldSample) => void)[] = [];
  private sink: MeterSink | null = null;
  private tickTimer: unknown = null;
  private meterTimer: unknown = null;
  private running = false;
  private last: WorldSample | null = null;
  /** The simulated batteries by id, and the control loop's commander for them. */
  readonly batteries = new Map<string, SimBattery>();
  readonly batteryCommander: SimBatteryCommander;

  constructor(opts: SiteWorldOptions) {
    this.cs = opts.site;
    this.clock = opts.clock;
    this.gateway = opts.gateway;
    this.tickMs = opts.tickMs ?? 250;
    this.meterIntervalMs = opts.meterIntervalMs ?? 1000;
    const circuitIdx = (id: string): number => {
      const i = this.cs.circuitIndex.get(id);
      if (i === undefined) throw new Error(`no circuit ${id}`);
      return i;
    };
    this.meters = this.cs.site.meters.map((m) => ({
      id: m.id,
      role: m.role,
      circuitIdx: circuitIdx(m.circuitId),
      timeoutMs: m.timeoutMs,
      silent: false,
      stale: true,
      staleTimer: null,
      importKwh: 0,
      exportKwh: 0,
    }));
    this.loads = (opts.loads ?? []).map((l) => ({ ci: circuitIdx(l.circuitId), profile: l.profile }));
    this.pv = (opts.pv ?? []).map((p) => {
      const meter = this.meters.find((m) => m.id === p.meterId);
      if (!meter) throw new Error(`no meter ${p.meterId}`);
      return { meter, profile: p.profile };
    });
    this.overloads = this.cs.circuits.flatMap((c) =>
      (['L1', 'L2', 'L3', 'kW'] as const).map((dimension) => ({
        circuitId: c.id,
        dimension,
        overMs: 0,
        overIntegral: 0,
        maxOver: 0,
        firstAtMs: null,
        lastAtMs: null,
      })),
    );
    for (const b of opts.batteries ?? []) this.batteries.set(b.batteryId, new SimBattery(b));
    this.batteryCommander = new SimBatteryCommander(this.batteries, () => this.clock.monotonicMs());
    this.limitCache = this.cs.circuits.map(() => ({ limitA: 0, limitKw: 0, fromMs: 0, untilMs: -Infinity }));
  }

  /** Starts the physics and the meters. */
  start(): void {
    if (this.running) return;
    this.running = true;
    const tick = (): void => {
      this.tickTimer = this.clock.setTimeout(tick, this.tickMs);
      this.tick();
    };
    this.tickTimer = this.clock.setTimeout(tick, 0);
    const read = (): void => {
      this.meterTimer = this.clock.setTimeout(read, this.meterIntervalMs);
      this.readMeters();
    };
    this.meterTimer = this.clock.setTimeout(read, 0);
  }

  stop(): void {
    this.running = false;
    this.clock.clearTimeout(this.tickTimer);
    this.clock.clearTimeout(this.meterTimer);
    for (const m of this.meters) this.clock.clearTimeout(m.staleTimer);
  }

  /**
   * Where readings go from now on: a (new) control loop, or null while Fusebox is down. A new sink gets a
   * new poller's view: every meter stale until its first reading.
   */
  connect(sink: MeterSink | null): void {
    this.sink = sink;
    for (const m of this.meters) {
      m.stale = true;
      this.clock.clearTimeout(m.staleTimer);
      m.staleTimer = null;
    }
  }

  /** A meter stops answering (true) or answers again (false). */
  setMeterSilent(meterId: string, silent: boolean): void {
    const m = this.meters.find((x) => x.id === meterId);
    if (!m) throw new Error(`no meter ${meterId}`);
    m.silent = silent;
  }

  /** Adds a car: it plugs into `portId` at its arrival time and leaves at its departure. */
  addEv(portId: string, spec: EvSpec | EvModel): EvModel {
    const ev = spec instanceof EvModel ? spec : new EvModel(spec);
    const placed: PlacedEv = { portId, ev, plugged: false, left: false };
    this.placed.push(placed);
    const nowMs = this.clock.monotonicMs();
    this.clock.setTimeout(
      () => {
        this.gateway.step(this.clock.monotonicMs());
        this.gateway.plugIn(portId, ev);
        placed.plugged = true;
      },
      Math.max(0, ev.spec.arrivalMs - nowMs),
    );
    const dep = ev.spec.departureMs;
    if (dep !== undefined) {
      this.clock.setTimeout(
        () => {
          if (!placed.plugged) return;
          this.gateway.step(this.clock.monotonicMs());
          this.gateway.unplug(portId);
          placed.left = true;
        },
        Math.max(0, dep - nowMs),
      );
    }
    return ev;
  }

  /** Every car added, with its port. */
  evs(): readonly {
    readonly portId: string;
    readonly ev: EvModel;
    readonly plugged: boolean;
    readonly left: boolean;
  }[] {
    return this.placed;
  }

  /** Calls `fn` after every physics step. */
  onTick(fn: (s: WorldSample) => void): void {
    this.tickListeners.push(fn);
  }

  /** Overloads per circuit and dimension (all of them, zero or not). */
  overloadsAll(): readonly Overload[] {
    return this.overloads;
  }

  /** Overloads that happened (time over > 0). */
  violations(): readonly Overload[] {
    return this.overloads.filter((o) => o.overMs > 0);
  }

  /** The net load of a circuit at the last step: [L1, L2, L3 (A), kW]. */
  circuitLoad(circuitId: string): [number, number, number, number] {
    const s = this.last ?? this.sample(this.clock.monotonicMs());
    const o = this.cs.circuitIndex.get(circuitId)! * DIM_COUNT;
    return [s.circuits[o]!, s.circuits[o + 1]!, s.circuits[o + 2]!, s.circuits[o + 3]!];
  }

  /** The limit in force on a circuit at `atMs` (static, lowered by its schedule): per phase A and kW. */
  limitAt(circuitId: string, atMs: number): { limitA: number; limitKw: number } {
    const ci = this.cs.circuitIndex.get(circuitId)!;
    const l = this.limitOf(ci, atMs);
    return { limitA: l.limitA, limitKw: l.limitKw };
  }

  /** Computes the state of the site now (cars advanced to now). */
  sample(atMs: number): WorldSample {
    this.gateway.step(atMs);
    const n = this.cs.circuits.length;
    const injections: Injection[] = this.loads.map((l) => {
      const a = l.profile(atMs);
      return { ci: l.ci, phaseA: [a[0], a[1], a[2]] };
    });
    for (const p of this.pv)
      injections.push(powerInjection(this.cs, p.meter.circuitIdx, -Math.max(0, p.profile(atMs))));
    for (const b of this.cs.site.batteries ?? []) {
      const sim = this.batteries.get(b.id);
      if (!sim || sim.actualKw === 0) continue;
      injections.push(
        powerInjection(this.cs, this.cs.circuitIndex.get(b.circuitId)!, sim.actualKw, b.phases),
      );
    }
    const circuits = circuitLoads(this.cs, this.gateway.portDraws(), injections);
    const limits = new Float64Array(n * DIM_COUNT);
    for (let ci = 0; ci < n; ci++) {
      const l = this.limitOf(ci, atMs);
      limits.fill(l.limitA, ci * DIM_COUNT, ci * DIM_COUNT + 3);
      limits[ci * DIM_COUNT + 3] = l.limitKw;
    }
    return { atMs, tickMs: this.tickMs, circuits, limits };
  }

  private tick(): void {
    const dtMs = this.tickMs;
    for (const b of this.batteries.values()) b.step(this.clock.monotonicMs(), dtMs);
    const s = this.sample(this.clock.monotonicMs());
    this.last = s;
    for (let k = 0; k < s.circuits.length; k++) {
      const over = Math.abs(s.circuits[k]!) - s.limits[k]!;
      if (over <= EPS) continue;
      const o = this.overloads[k]!;
      o.overMs += dtMs;
      o.overIntegral += (over * dtMs) / 1000;
      o.maxOver = Math.max(o.maxOver, over);
      o.firstAtMs ??= s.atMs;
      o.lastAtMs = s.atMs;
    }
    for (const m of this.meters) {
      const kw = s.circuits[m.circuitIdx * DIM_COUNT + 3]!;
      if (kw > 0) m.importKwh += (kw * dtMs) / 3_600_000;
      else m.exportKwh += (-kw * dtMs) / 3_600_000;
    }
    for (const fn of this.tickListeners) fn(s);
  }

  private limitOf(ci: number, atMs: number): { limitA: number; limitKw: number } {
    const cached = this.limitCache[ci]!;
    if (atMs >= cached.fromMs && atMs < cached.untilMs) return cached;
    const c = this.cs.circuits[ci]!;
    let limitA = c.limitA;
    let limitKw = c.limitKw ?? Infinity;
    let untilMs = Infinity;
    if (c.schedule) {
      const s = scheduledLimitAt(c.schedule, this.cs.site.timeZone, atMs);
      if (s.limitA !== undefined) limitA = Math.min(limitA, s.limitA);
      if (s.limitKw !== undefined) limitKw = Math.min(limitKw, s.limitKw);
      untilMs = s.nextChangeMs ?? Infinity;
    }
    const entry = { limitA, limitKw, fromMs: atMs, untilMs };
    this.limitCache[ci] = entry;
    return entry;
  }

  private readMeters(): void {
    const nowMs = this.clock.monotonicMs();
    const s = this.sample(nowMs);
    for (const m of this.meters) {
      const battery = m.role === 'battery' ? this.batteryOfMeter(m.id) : undefined;
      if (m.silent || (m.role === 'battery' && (!battery || battery.silent))) continue;
      const reading = this.reading(m, s);
      const wasStale = m.stale;
      m.stale = false;
      this.clock.clearTimeout(m.staleTimer);
      m.staleTimer = this.clock.setTimeout(() => {
        m.staleTimer = null;
        if (m.stale) return;
        m.stale = true;
        this.sink?.onMeterStatus(m.id, true);
      }, m.timeoutMs);
      this.sink?.onMeterReading(reading);
      if (wasStale) this.sink?.onMeterStatus(m.id, false);
    }
  }

  private reading(m: MeterState, s: WorldSample): MeterReading {
    const supply = this.cs.circuits[m.circuitIdx]!.supply;
    const v = supply.lineToNeutralV;
    const present = [0, 1, 2].map((p) => supply.phases.some((ph) => phaseIndex(ph) === p));
    let currentA: [number, number, number];
    let powerKw: number;
    let productionKw: number | undefined;
    const battery = m.role === 'battery' ? this.batteryOfMeter(m.id) : undefined;
    if (battery) {
      const phases = this.cs.site.batteries!.find((b) => b.meterId === m.id)!.phases;
      const perPhase = (battery.actualKw * 1000) / (v * phases.length);
      currentA = [0, 1, 2].map((p) => (phases.some((ph) => phaseIndex(ph) === p) ? perPhase : 0)) as [
        number,
        number,
        number,
      ];
      powerKw = battery.actualKw;
    } else if (m.role === 'pv') {
      const src = this.pv.find((p) => p.meter === m);
      productionKw = src ? Math.max(0, src.profile(s.atMs)) : 0;
      const perPhase = (productionKw * 1000) / (v * supply.phases.length);
      currentA = present.map((on) => (on ? -perPhase : 0)) as [number, number, number];
      powerKw = -productionKw;
    } else {
      const o = m.circuitIdx * DIM_COUNT;
      currentA = [s.circuits[o]!, s.circuits[o + 1]!, s.circuits[o + 2]!];
      powerKw = s.circuits[o + 3]!;
    }
    return {
      meterId: m.id,
      // Stamped by the reader, as Fusebox's poller does: its wall clock (stepped by a clock-jump fault).
      atMs: s.atMs + this.clock.wallClockOffsetMs,
      currentA,
      voltageV: present.map((on) => (on ? v : 0)) as [number, number, number],
      powerKw,
      powerPhaseKw: currentA.map((a) => (a * v) / 1000) as [number, number, number],
      energyImportKwh: m.importKwh,
      energyExportKwh: m.exportKwh,
      ...(productionKw !== undefined ? { productionKw } : {}),
      ...(battery ? { socPct: battery.socPct } : {}),
      rejected: [],
    };
  }

  private batteryOfMeter(meterId: string): SimBattery | undefined {
    const b = this.cs.site.batteries?.find((x) => x.meterId === meterId);
    return b === undefined ? undefined : this.batteries.get(b.id);
  }
}
