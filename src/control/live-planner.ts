/**
 * The planner in the live loop (docs/control.md, "The planner"). It re-plans at every slot boundary and,
 * debounced, whenever a session arrives, leaves or changes its need or departure, from the sessions with a
 * known departure and need (session-needs.ts: the car's, else the configured stay and energy), the tariff,
 * the demand already paid (the demand cap's state), a forecast of the net building load (forecast.ts, from
 * what the loop saw) and the site's linear limits (src/core/planner/site-network.ts). The solve runs in a
 * worker (planner-solver.ts). Its output for the control plan is one number per planned port: the target
 * for the running slot (src/core/planner/plan-targets.ts), which plan-demands.ts applies as a maximum only.
 * No plan, a failed solve or a plan older than two slots: no targets, the allocator decides as without a
 * planner, and `status()` says why. With a commanded battery whose state of charge the loop read, the plan
 * schedules it too (plan-battery.ts), even with no car, and `batteryTarget` gives its running slot's power.
 */
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { CompiledSite } from '../core/compiled-site.ts';
import { portLoadFactors } from '../core/compiled-site.ts';
import { billingPeriodAt } from '../core/demand-window.ts';
import type { NetLoadForecast } from '../core/planner/forecast.ts';
import { historyForecast } from '../core/planner/forecast.ts';
import { planConstraints } from '../core/planner/plan-constraints.ts';
import { runningSlot, runningSlotTargetsA } from '../core/planner/plan-targets.ts';
import type { Plan, PlanConstraint, PlanInput, PlanSession } from '../core/planner/plan-types.ts';
import { networkFromSite } from '../core/planner/site-network.ts';
import type { PlannerSettings } from '../core/site.ts';
import type { Tariff } from '../core/tariff.ts';
import { demandChargeRateAt, energyPriceAt } from '../core/tariff.ts';
import type { PortSnapshot } from '../contracts/station-gateway.ts';
import type { ControlSnapshot } from './control-snapshot.ts';
import type { DemandState } from './demand-cap.ts';
import type { SolveOutcome } from './planner-solver.ts';
import { PlannerSolver } from './planner-solver.ts';
import type { Asked, LivePlanStatus, PlannerMetrics, SessionRef, Solved } from './live-plan-status.ts';
import { sessionNeeds } from './session-needs.ts';
import { batterySlots, planBatteryInput, plannedBatteryKw } from './plan-battery.ts';

export interface LivePlannerDeps {
  readonly settings: PlannerSettings;
  /** The site in force (it may be reloaded). */
  readonly site: () => CompiledSite;
  /** The gateway's ports now. */
  readonly ports: () => readonly PortSnapshot[];
  readonly tariff?: Tariff | undefined;
  /** The demand cap's state (demand-cap.ts); absent or null: nothing paid yet. */
  readonly demand?: (() => DemandState | null) | undefined;
  readonly clock: Clock;
  readonly logger: Logger;
  /** A solve abandoned after this long, ms (default 120 s). */
  readonly timeoutMs?: number | undefined;
  /** Changes within this are planned together, ms (default 2 s). */
  readonly debounceMs?: number | undefined;
  /** The net building load forecast; default: the history the loop saw (historyForecast). */
  readonly forecast?: NetLoadForecast | undefined;
}

/** A 15-min bucket of the net building load (grid import less EV load) the loop saw. */
const HISTORY_STEP_MS = 15 * 60_000;
const HISTORY_DAYS = 7;
const NO_SESSIONS = 'no session with a known departure and need';

export class LivePlanner {
  private readonly solver: PlannerSolver<Asked>;
  /** The batteries' last state of charge the loop read, %. */
  private readonly socPct = new Map<string, number>();
  private current: Solved | null = null;
  private lastError: string | null = null;
  private debounce: unknown = null;
  private slotTimer: unknown = null;
  private signature = '';
  private running = false;
  private readonly listeners: (() => void)[] = [];
  private constraintsFor: CompiledSite | null = null;
  private constraints: PlanConstraint[] = [];
  private readonly history = new Map<number, { sum: number; n: number }>();
  /** Re-plans solved, failed, and solve times (ms), for the metrics. */
  replans = 0;
  failures = 0;
  lastSolveMs = 0;

  constructor(private readonly deps: LivePlannerDeps) {
    this.solver = new PlannerSolver(deps.timeoutMs ?? 120_000, (o) => this.solved(o));
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.scheduleSlot();
    this.request('start');
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.debounce !== null) this.deps.clock.clearTimeout(this.debounce);
    if (this.slotTimer !== null) this.deps.clock.clearTimeout(this.slotTimer);
    this.debounce = this.slotTimer = null;
    await this.solver.close();
  }

  /** Calls `fn` when a new plan is in force, or one ceased to be (the control loop runs then). */
  onChange(fn: () => void): void {
    this.listeners.push(fn);
  }

  /**
   * After every control run: notes the net building load, and re-plans (debounced) when a session arrived,
   * left, or changed its stated need or departure (the car's or a driver's).
   */
  noticeRun(snapshot: ControlSnapshot): void {
    this.noteLoad(snapshot);
    for (const b of snapshot.batteries ?? []) {
      if (b.socPct === null) continue;
      // A battery's state of charge first known: plan it now, not at the next slot.
      if (!this.socPct.has(b.batteryId)) this.request('battery state of charge known');
      this.socPct.set(b.batteryId, b.socPct);
    }
    const sig = this.deps
      .ports()
      .filter((p) => p.sessionId !== undefined)
      .map((p) => {
        const n = p.evNeeds;
        const d = p.driverNeeds;
        return `${p.portId}:${p.sessionId}:${n?.departureMs ?? ''}:${n?.energyWh ?? ''}:${n?.targetSocPct ?? ''}:${d?.departureMs ?? ''}:${d?.energyWh ?? ''}`;
      })
      .sort()
      .join('|');
    if (sig === this.signature) return;
    this.signature = sig;
    this.request('sessions changed');
  }

  /** Re-plan soon (changes within debounceMs ride along). */
  request(reason: string): void {
    if (!this.running || this.debounce !== null) return;
    this.deps.logger.debug({ reason }, 're-plan requested');
    this.debounce = this.deps.clock.setTimeout(() => {
      this.debounce = null;
      this.replanNow();
    }, this.deps.debounceMs ?? 2000);
  }

  /** Per planned port, its target for the running slot (A); null when no plan is in force (see status). */
  targets(nowMs: number): ReadonlyMap<string, number> | null {
    const c = this.current;
    if (!c || this.staleReason(c, nowMs) !== null) return null;
    const a = runningSlotTargetsA(c.plan, c.departures, nowMs);
    const out = new Map<string, number>();
    c.ports.forEach((portId, i) => {
      if (c.departures[i]! > nowMs) out.set(portId, a[i]!);
    });
    return out;
  }

  /** The planned battery's power for the running slot (kW, charging positive); null: no plan in force for it. */
  batteryTarget(nowMs: number): { readonly batteryId: string; readonly kw: number } | null {
    const c = this.current;
    if (!c?.battery || nowMs - c.solvedAtMs > 2 * this.deps.settings.slotMs) return null;
    const kw = plannedBatteryKw(c.plan, nowMs);
    return kw === null ? null : { batteryId: c.battery.id, kw };
  }

  /** The plan in force, or why there is none. */
  status(nowMs: number): LivePlanStatus {
    const c = this.current;
    const { slotMs, horizonMs } = this.deps.settings;
    const stale = c ? this.staleReason(c, nowMs) : null;
    const reason = !c
      ? (this.lastError ?? (this.solver.busy() ? 'solving the first plan' : 'no plan yet'))
      : (stale ?? this.lastError);
    if (!c)
      return {
        slotMs,
        horizonMs,
        active: false,
        reason,
        solvedAtMs: null,
        solveMs: null,
        slots: [],
        sessions: [],
        energyCost: null,
        demandChargeAdded: null,
        battery: null,
      };
    const p = c.plan;
    const targets = runningSlotTargetsA(p, c.departures, nowMs);
    const demandTarget = this.deps.demand?.()?.targetKw ?? null;
    const k0 = runningSlot(p, nowMs);
    const slots = [];
    const battery = batterySlots(p, c.battery, k0);
    for (let k = k0; k + 1 < p.slotStartsMs.length; k++) {
      const startMs = p.slotStartsMs[k]!;
      slots.push({
        startMs,
        importKw: p.importKw[k] ?? 0,
        pricePerKwh: c.input.pricePerKwh(startMs),
        demandTargetKw: demandTarget === null ? null : Math.max(demandTarget, this.periodPeak(p, startMs)),
        batteryKw: battery?.[k - k0]?.kw ?? null,
        batterySocPct: battery?.[k - k0]?.socPct ?? null,
      });
    }
    return {
      slotMs,
      horizonMs,
      active: stale === null,
      reason: stale === null ? null : reason,
      solvedAtMs: c.solvedAtMs,
      solveMs: c.solveMs,
      slots,
      sessions: c.ports.map((portId, i) => ({
        portId,
        sessionId: c.sessionIds[i]!,
        departureMs: c.departures[i]!,
        needKwh: c.input.sessions[i]!.energyKwh,
        plannedKwh: p.plannedKwh[i]!,
        shortKwh: p.shortKwh[i]!,
        met: !(p.shortKwh[i]! >= 0.05),
        targetA: targets[i]!,
      })),
      energyCost: p.energyCost,
      demandChargeAdded: p.demandChargeAdded,
      battery: c.battery ? { batteryId: c.battery.id, targetKw: plannedBatteryKw(p, nowMs) ?? 0 } : null,
    };
  }

  metrics(): PlannerMetrics {
    return {
      replans: this.replans,
      failures: this.failures,
      lastSolveMs: this.lastSolveMs,
      sessionsShort: this.sessionsShort(),
      batteryTargetKw: this.batteryTarget(this.deps.clock.nowMs())?.kw ?? null,
    };
  }

  /** A solve is running or waiting. */
  solving(): boolean {
    return this.solver.busy();
  }

  /** Sessions the plan leaves short of their need by their departure. */
  sessionsShort(): number {
    const p = this.current?.plan;
    if (!p) return 0;
    let n = 0;
    for (const s of p.shortKwh) if (s >= 0.05) n++;
    return n;
  }

  /** The plan's demand in the billing period holding tMs (the peak it plans for), kW. */
  private periodPeak(p: Plan, tMs: number): number {
    const periods = this.current?.input.demand?.periods ?? [];
    const i = periods.findIndex((x) => tMs >= x.startMs && tMs < x.endMs);
    return i < 0 ? 0 : (p.peakKw[i] ?? 0);
  }

  private staleReason(c: Solved, nowMs: number): string | null {
    const { slotMs } = this.deps.settings;
    if (nowMs - c.solvedAtMs > 2 * slotMs)
      return `stale: the last plan was solved at ${new Date(c.solvedAtMs).toISOString()}, over two slots ago${this.lastError ? `; ${this.lastError}` : ''}`;
    if (c.ports.length === 0) return NO_SESSIONS;
    return null;
  }

  private scheduleSlot(): void {
    if (!this.running) return;
    const { slotMs } = this.deps.settings;
    const now = this.deps.clock.nowMs();
    const next = (Math.floor(now / slotMs) + 1) * slotMs;
    this.slotTimer = this.deps.clock.setTimeout(() => {
      this.slotTimer = null;
      this.scheduleSlot();
      // The running slot's targets change now; the new plan follows.
      this.changed();
      this.replanNow();
    }, next - now);
  }

  private replanNow(): void {
    if (!this.running) return;
    const nowMs = this.deps.clock.nowMs();
    let built;
    try {
      built = this.build(nowMs);
    } catch (err) {
      this.lastError = `cannot build the plan: ${(err as Error).message}`;
      this.deps.logger.error({ err }, 'cannot build the plan');
      return;
    }
    if (built.sessions.length === 0 && !built.input.battery) {
      // Nothing to plan (the LP of no session is not solved): no targets, and the reason says why.
      const had = this.current !== null;
      this.current = null;
      this.lastError = NO_SESSIONS;
      if (had) this.changed();
      return;
    }
    this.solver.request(built.input, { ...built, atMs: nowMs });
  }

  private solved(o: SolveOutcome<Asked>): void {
    if (!this.running) return;
    this.lastSolveMs = o.solveMs;
    if (!o.ok) {
      this.failures++;
      this.lastError = `the last solve failed: ${o.error}`;
      this.deps.logger.warn({ error: o.error }, 'plan solve failed: the allocator decides as without a plan');
      this.changed();
      return;
    }
    this.replans++;
    this.lastError = null;
    const { input, sessions, atMs, battery } = o.tag;
    this.current = {
      plan: o.plan,
      solvedAtMs: atMs,
      solveMs: o.solveMs,
      input,
      ports: sessions.map((s) => s.portId),
      sessionIds: sessions.map((s) => s.sessionId),
      departures: Float64Array.from(input.sessions, (s) => s.departureMs),
      battery,
    };
    this.deps.logger.debug(
      { sessions: sessions.length, solveMs: Math.round(o.solveMs), short: this.sessionsShort() },
      'new plan',
    );
    this.changed();
  }

  private changed(): void {
    for (const fn of this.listeners) fn();
  }

  /** The planner's input now, and which port and session each planned session is. */
  private build(nowMs: number): Omit<Asked, 'atMs'> {
    const cs = this.deps.site();
    if (this.constraintsFor !== cs) {
      this.constraints = planConstraints(networkFromSite(cs).network);
      this.constraintsFor = cs;
    }
    const { slotMs, horizonMs } = this.deps.settings;
    const sessions: PlanSession[] = [];
    const refs: SessionRef[] = [];
    for (const p of this.deps.ports()) {
      const idx = cs.portIndex.get(p.portId);
      if (idx === undefined || p.sessionId === undefined) continue;
      const port = cs.ports[idx]!;
      const needs = sessionNeeds(p, port, cs.site.allocation);
      if (needs.departureMs === undefined || needs.energyRemainingKwh === undefined) continue;
      if (needs.departureMs <= nowMs) continue;
      sessions.push({
        id: `${p.portId}#${p.sessionId}`,
        port: idx,
        arrivalMs: Math.min(nowMs, p.sessionStartedAtMs ?? nowMs),
        departureMs: needs.departureMs,
        energyKwh: needs.energyRemainingKwh,
        maxA: needs.maxCurrentA ?? port.maxCurrentA,
        kwPerA: portLoadFactors(cs, idx)[3]!,
      });
      refs.push({ portId: p.portId, sessionId: p.sessionId });
    }
    const tariff = this.deps.tariff;
    const demand = this.deps.demand?.() ?? null;
    const forecast = this.deps.forecast ?? this.historyForecast(cs);
    const bat = planBatteryInput(cs, this.socPct);
    const input: PlanInput = {
      nowMs,
      horizonMs,
      slotMs,
      sessions,
      constraints: this.constraints,
      pricePerKwh: (t) => (tariff ? energyPriceAt(tariff, t) : 0),
      exportPricePerKwh: tariff?.exportPricePerKwh,
      externalKw: forecast ? (t) => forecast.netKwAt(t) : undefined,
      demand: tariff ? this.demandInput(tariff, demand, nowMs) : undefined,
      battery: bat?.input,
    };
    return { input, sessions: refs, battery: bat?.battery };
  }

  /** The demand charge: the window so far and, per billing period the horizon touches, what is paid. */
  private demandInput(tariff: Tariff, state: DemandState | null, nowMs: number): PlanInput['demand'] {
    const windowMs = tariff.demandWindowMs;
    const inWindow = state && nowMs >= state.windowStartMs && nowMs < state.windowEndMs;
    const soFarKwh = inWindow ? (state.windowAverageKw * (nowMs - state.windowStartMs)) / 3_600_000 : 0;
    const periods = [];
    for (let t = nowMs; t < nowMs + this.deps.settings.horizonMs;) {
      const p = billingPeriodAt(tariff.timeZone, t);
      // Paid already: the demand cap's target (the period's peak, a floor or a pin), in its own period only.
      const paid = state && state.periodStartMs === p.startMs ? state.targetKw : 0;
      periods.push({
        startMs: p.startMs,
        endMs: p.endMs,
        ratePerKw: demandChargeRateAt(tariff, Math.max(t, p.startMs)),
        paidKw: Math.max(0, paid),
      });
      t = p.endMs;
    }
    return { windowMs, windowEnergySoFarKwh: Math.max(0, soFarKwh), periods };
  }

  /** Notes the net building load of a run: the grid import less the EV load and the batteries' power. */
  private noteLoad(snapshot: ControlSnapshot): void {
    const state = this.deps.demand?.();
    if (!state || state.gridKw === null) return;
    const root = snapshot.circuits.find((c) => c.circuitId === state.circuitId);
    let evKw = root?.load[3] ?? 0;
    for (const b of snapshot.batteries ?? []) evKw += b.measuredKw ?? 0;
    const bucket = Math.floor(snapshot.atMs / HISTORY_STEP_MS);
    const b = this.history.get(bucket) ?? { sum: 0, n: 0 };
    b.sum += state.gridKw - evKw;
    b.n++;
    this.history.set(bucket, b);
    const oldest = bucket - (HISTORY_DAYS * 86_400_000) / HISTORY_STEP_MS;
    for (const k of this.history.keys()) if (k < oldest) this.history.delete(k);
  }

  /** The forecast from the history noted (forecast.ts historyForecast); none before any. */
  private historyForecast(cs: CompiledSite): NetLoadForecast | undefined {
    if (this.history.size === 0) return undefined;
    const keys = [...this.history.keys()];
    const first = Math.min(...keys);
    const last = Math.max(...keys);
    const kw = Array.from({ length: last - first + 1 }, (_, i) => {
      const b = this.history.get(first + i);
      return b ? b.sum / b.n : Number.NaN;
    });
    return historyForecast(
      { startMs: first * HISTORY_STEP_MS, stepMs: HISTORY_STEP_MS, buildingKw: kw },
      { timeZone: cs.site.timeZone, days: HISTORY_DAYS },
    );
  }
}

/** The planner beside a control loop: a new plan runs the loop, every run tells the planner what it saw. */
export function wirePlanner(
  planner: LivePlanner,
  loop: { requestRun(reason: string): void; onRun(fn: (s: ControlSnapshot) => void): void },
): void {
  planner.onChange(() => loop.requestRun('plan'));
  loop.onRun((s) => planner.noticeRun(s));
}
