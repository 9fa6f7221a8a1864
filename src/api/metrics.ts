/**
 * Prometheus metrics in a registry of Fusebox's own (not prom-client's global one): per circuit and phase
 * load, effective limit and EV capacity; ports charging; uncontrolled ports; sessions; OCPP CALLs by direction, action and
 * version, and CALLERRORs (fed by the composition root from the OCPP server); allocation time; dispatch
 * latency; and the Node.js process metrics (memory, CPU, event-loop delay).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DemandState } from '../control/demand-cap.ts';
import type { PlannerMetrics } from '../control/live-plan-status.ts';
import type { ControlSnapshot } from '../control/control-snapshot.ts';
import type { UpstreamStatus } from '../contracts/upstream.ts';

/** Per circuit, the values of the gauges (null phases are skipped). */
export interface CircuitSample {
  readonly id: string;
  readonly loadA: readonly (number | null)[];
  readonly effectiveLimitA: readonly (number | null)[];
  readonly capacityA: readonly (number | null)[];
}

/** A port whose station does not take limits (control-loop.ts UncontrolledState). */
export interface UncontrolledSample {
  readonly portId: string;
  readonly reason: string;
  readonly countedA: number;
}

export interface MetricSources {
  circuits(): readonly CircuitSample[];
  portsCharging(): number;
  sessions(): { active: number; total: number };
  /** Ports whose station does not take limits (docs/control.md); none when absent. */
  uncontrolledPorts?(): readonly UncontrolledSample[];
  /** The cloud relay per station (docs/proxy.md); none without `upstream:`. */
  upstream?(): readonly UpstreamStatus[];
  /** Fusebox's clock (ages). */
  now(): number;
  /** The demand cap's state (docs/control.md, "Demand cap"); null or absent without one. */
  demand?(): DemandState | null;
  /** The live planner's counts (docs/control.md, "The planner"); null or absent without one. */
  planner?(): PlannerMetrics | null;
}

/**
 * `fn`'s value, computed once per turn of the event loop: one scrape reads a source from several gauges (the
 * circuit view three times, the session counts twice) and, at 2,000 ports, computing the view each time made a
 * scrape a 100-200 ms task. Read again in a later turn, it is computed afresh.
 */
export function oncePerTurn<T>(fn: () => T): () => T {
  let cached: { readonly value: T } | null = null;
  return () => {
    if (cached) return cached.value;
    const value = fn();
    cached = { value };
    setImmediate(() => {
      cached = null;
    });
    return value;
  };
}

const PHASES = ['L1', 'L2', 'L3'];

/** The sources the gauges read at each scrape (none until the app sets them). */
type Current = () => MetricSources | null;

/** Per circuit and phase: load, effective limit and what EV ports may use. */
function circuitGauges(r: Registry, current: Current): void {
  const perPhase = (
    name: string,
    help: string,
    pick: (c: CircuitSample) => readonly (number | null)[],
  ): void => {
    new Gauge({
      name,
      help,
      labelNames: ['circuit', 'phase'],
      registers: [r],
      collect() {
        this.reset();
        for (const c of current()?.circuits() ?? [])
          pick(c).forEach((v, p) => {
            if (v !== null) this.set({ circuit: c.id, phase: PHASES[p]! }, v);
          });
      },
    });
  };
  perPhase(
    'fusebox_circuit_load_amperes',
    'Load per circuit and phase (metered, else EV ports), A',
    (c) => c.loadA,
  );
  perPhase(
    'fusebox_circuit_limit_amperes',
    'Effective limit per circuit and phase (static, schedule, override, EMS), A',
    (c) => c.effectiveLimitA,
  );
  perPhase(
    'fusebox_circuit_capacity_amperes',
    'What EV ports may use per circuit and phase now, A',
    (c) => c.capacityA,
  );
}

/** Ports charging, sessions in progress, and the ports whose station does not take limits. */
function portGauges(r: Registry, current: Current): void {
  new Gauge({
    name: 'fusebox_ports_charging',
    help: 'Ports with a non-zero allocated current',
    registers: [r],
    collect() {
      this.set(current()?.portsCharging() ?? 0);
    },
  });
  new Gauge({
    name: 'fusebox_sessions_active',
    help: 'Sessions in progress',
    registers: [r],
    collect() {
      this.set(current()?.sessions().active ?? 0);
    },
  });
  new Gauge({
    name: 'fusebox_port_uncontrolled',
    help: 'Ports whose station does not take limits (1 per port, by reason: rejected, not-implemented, timeout, no-smart-charging)',
    labelNames: ['port', 'reason'],
    registers: [r],
    collect() {
      this.reset();
      for (const u of current()?.uncontrolledPorts?.() ?? [])
        this.set({ port: u.portId, reason: u.reason }, 1);
    },
  });
  new Gauge({
    name: 'fusebox_port_uncontrolled_counted_amperes',
    help: 'What an uncontrolled port counts at per phase (its maximum, or its measured draw if more; 0 idle), A',
    labelNames: ['port'],
    registers: [r],
    collect() {
      this.reset();
      for (const u of current()?.uncontrolledPorts?.() ?? []) this.set({ port: u.portId }, u.countedA);
    },
  });
}

/** The demand cap: absent (no sample) on a site without one. */
function demandGauges(r: Registry, current: Current): void {
  const demandGauge = (name: string, help: string, value: (d: DemandState) => number | null): void => {
    new Gauge({
      name,
      help,
      registers: [r],
      collect() {
        this.reset();
        const d = current()?.demand?.() ?? null;
        const v = d ? value(d) : null;
        if (v !== null && Number.isFinite(v)) this.set(v);
      },
    });
  };
  demandGauge(
    'fusebox_demand_window_average_kilowatts',
    'Average grid import of the running demand window so far, kW',
    (d) => d.windowAverageKw,
  );
  demandGauge(
    'fusebox_demand_target_kilowatts',
    'Demand target: every window average is held at or below it, kW',
    (d) => d.targetKw,
  );
  demandGauge(
    'fusebox_demand_period_peak_kilowatts',
    'Highest demand window of the billing period so far, kW',
    (d) => d.periodPeakKw,
  );
  demandGauge(
    'fusebox_demand_limit_kilowatts',
    "The demand cap's kW limit on the grid connection for the rest of the window",
    (d) => d.capKw,
  );
  demandGauge(
    'fusebox_demand_charge_estimate',
    'Demand charge of the billing period so far (peak × rate), in the tariff currency',
    (d) => d.estimatedDemandCharge,
  );
}

/** The live planner: absent (no sample) on a site without one. */
function plannerMetrics(r: Registry, current: Current): void {
  const plannerMetric = (
    kind: 'counter' | 'gauge',
    name: string,
    help: string,
    value: (p: PlannerMetrics) => number | null,
  ): void => {
    const collect = function (this: Gauge | Counter): void {
      this.reset();
      const p = current()?.planner?.() ?? null;
      const v = p && value(p);
      if (v === null) return;
      if (this instanceof Gauge) this.set(v);
      else this.inc(v);
    };
    if (kind === 'gauge') new Gauge({ name, help, registers: [r], collect });
    else new Counter({ name, help, registers: [r], collect });
  };
  plannerMetric(
    'counter',
    'fusebox_planner_replans_total',
    'Plans solved by the live planner',
    (p) => p.replans,
  );
  plannerMetric(
    'counter',
    'fusebox_planner_failures_total',
    'Plan solves that failed or timed out (the allocator decides without a plan)',
    (p) => p.failures,
  );
  plannerMetric(
    'gauge',
    'fusebox_planner_solve_seconds',
    'Time the last plan solve took, s',
    (p) => p.lastSolveMs / 1000,
  );
  plannerMetric(
    'gauge',
    'fusebox_planner_sessions_short',
    'Sessions the plan in force leaves short of their need by their departure',
    (p) => p.sessionsShort,
  );
  plannerMetric(
    'gauge',
    'fusebox_planner_battery_kw',
    "The plan's battery power for the running slot, kW, charging positive (absent: no battery planned)",
    (p) => p.batteryTargetKw,
  );
}

/** The sessions in the store. */
function storedSessionsGauge(r: Registry, current: Current): void {
  // A gauge, not *_total (Prometheus keeps that suffix for counters), though retention never deletes a
  // session (src/store/retention.ts): it goes down only when the database is replaced (a restored backup).
  new Gauge({
    name: 'fusebox_sessions_stored',
    help: 'Sessions in the store, in progress and ended (retention keeps every session)',
    registers: [r],
    collect() {
      this.set(current()?.sessions().total ?? 0);
    },
  });
}

/** The cloud relay per station (docs/proxy.md). */
function upstreamGauges(r: Registry, current: Current): void {
  const upstream = (
    name: string,
    help: string,
    value: (s: UpstreamStatus, nowMs: number) => number | undefined,
  ): void => {
    new Gauge({
      name,
      help,
      labelNames: ['station'],
      registers: [r],
      collect() {
        this.reset();
        const sources = current();
        if (!sources) return;
        const nowMs = sources.now();
        for (const s of sources.upstream?.() ?? []) {
          if (s.state === 'disabled') continue;
          const v = value(s, nowMs);
          if (v !== undefined) this.set({ station: s.stationId }, v);
        }
      },
    });
  };
  upstream('fusebox_upstream_connected', 'Cloud link of the station open (1) or not (0)', (s) =>
    s.state === 'connected' ? 1 : 0,
  );
  upstream(
    'fusebox_upstream_outage_seconds',
    'How long the cloud has been unreachable for the station, s',
    (s, now) => (s.outageSinceMs === undefined ? 0 : Math.max(0, (now - s.outageSinceMs) / 1000)),
  );
  upstream(
    'fusebox_upstream_queue_depth',
    'Station messages answered by Fusebox, waiting for the cloud',
    (s) => s.queueDepth,
  );
  upstream(
    'fusebox_upstream_oldest_queued_seconds',
    'Age of the oldest message waiting for the cloud, s (0: none)',
    (s, now) => (s.oldestQueuedMs === undefined ? 0 : Math.max(0, (now - s.oldestQueuedMs) / 1000)),
  );
  upstream(
    'fusebox_upstream_failed_messages',
    'Queued messages the cloud refused with a CALLERROR (kept, not resent)',
    (s) => s.failed,
  );
}

export class ApiMetrics {
  readonly registry = new Registry();
  private sources: MetricSources | null = null;
  private readonly ocpp: Counter;
  private readonly ocppErrors: Counter;
  private readonly allocation: Histogram;
  private readonly dispatch: Histogram;
  private readonly runs: Counter;

  constructor() {
    const r = this.registry;
    // The process's own health: resident memory, CPU, heap, event-loop delay (nodejs_eventloop_lag_*,
    // measured between scrapes), open handles; what a soak test or an operator watches for leaks and stalls.
    collectDefaultMetrics({ register: r });
    const current: Current = () => this.sources;
    circuitGauges(r, current);
    portGauges(r, current);
    demandGauges(r, current);
    plannerMetrics(r, current);
    storedSessionsGauge(r, current);
    upstreamGauges(r, current);
    this.ocpp = new Counter({
      name: 'fusebox_ocpp_messages_total',
      help: 'OCPP CALLs by direction (in: from stations, out: to stations), action and OCPP version',
      labelNames: ['direction', 'action', 'version'],
      registers: [r],
    });
    this.ocppErrors = new Counter({
      name: 'fusebox_ocpp_call_errors_total',
      help: 'OCPP CALLERRORs by direction (out: Fusebox refused a station CALL; in: a station refused one), action and error code',
      labelNames: ['direction', 'action', 'code'],
      registers: [r],
    });
    this.runs = new Counter({ name: 'fusebox_control_runs_total', help: 'Allocation runs', registers: [r] });
    this.allocation = new Histogram({
      name: 'fusebox_allocation_seconds',
      help: 'Time the allocator took per run',
      buckets: [0.0001, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1],
      registers: [r],
    });
    this.dispatch = new Histogram({
      name: 'fusebox_dispatch_latency_seconds',
      help: 'From sending a setpoint to the station to its answer, by result',
      labelNames: ['result'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [r],
    });
  }

  /** Where the gauges read from when scraped. */
  setSources(sources: MetricSources): void {
    this.sources = sources;
  }

  /** An OCPP CALL from (`in`) or to (`out`) a station. */
  ocppCall(direction: 'in' | 'out', action: string, version: string): void {
    this.ocpp.inc({ direction, action, version });
  }

  /** An OCPP CALLERROR: `out` answers a station's CALL, `in` answers one of Fusebox's. */
  ocppCallError(direction: 'in' | 'out', action: string, code: string): void {
    this.ocppErrors.inc({ direction, action, code });
  }

  /** One control run: counts it and observes how long the allocator took. */
  controlRun(s: ControlSnapshot): void {
    this.runs.inc();
    this.allocation.observe(s.allocationMs / 1000);
  }

  /** A setpoint's round trip, from sending it to the station's answer. */
  dispatched(latencyMs: number, result: string): void {
    this.dispatch.observe({ result }, Math.max(0, latencyMs) / 1000);
  }
}
