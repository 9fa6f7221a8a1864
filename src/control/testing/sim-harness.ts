/**
 * A control loop wired to a simulated site, for control-loop and scenario tests: virtual clock, simulated
 * stations and cars, the site's physics and meters. Fusebox can be killed and restarted on the same world.
 */
import type { SimBatterySpec } from '../../sim/devices/sim-battery.ts';
import type { Tariff } from '../../core/tariff.ts';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { loadSiteConfigText } from '../../config/load.ts';
import type { CompiledSite } from '../../core/compiled-site.ts';
import type { EvSpec } from '../../sim/world/ev-model.ts';
import type { SimGatewayOptions, SimGatewayTestSwitches } from '../../sim/devices/sim-gateway.ts';
import { SimGateway } from '../../sim/devices/sim-gateway.ts';
import type { CircuitLoad, PvSource } from '../../sim/world/site-world.ts';
import { SiteWorld } from '../../sim/world/site-world.ts';
import { VirtualClock } from '../../sim/world/virtual-clock.ts';
import { ControlLoop } from '../control-loop.ts';
import type { ControlOptions, ControlTestSwitches } from '../control-options.ts';
import type { DemandCap } from '../demand-cap.ts';
import { LivePlanner, wirePlanner } from '../live-planner.ts';
import type { PriorSetpoint } from '../restart-guard.ts';

/** The compiled site of a YAML configuration; throws with the problems when it has errors. */
export function siteFromYaml(text: string): CompiledSite {
  const loaded = loadSiteConfigText(text, 'test.yaml');
  if (!loaded.ok)
    throw new Error(loaded.problems.map((p) => `${p.line}:${p.column} ${p.message}`).join('\n'));
  return loaded.compiled;
}

export interface HarnessOptions {
  readonly site: CompiledSite;
  readonly startMs?: number | undefined;
  readonly gateway?: (SimGatewayOptions & SimGatewayTestSwitches) | undefined;
  /** Control options, and the test switches (negative controls). */
  readonly control?: (Partial<ControlOptions> & ControlTestSwitches) | undefined;
  readonly loads?: readonly CircuitLoad[] | undefined;
  readonly pv?: readonly PvSource[] | undefined;
  readonly meterIntervalMs?: number | undefined;
  readonly tickMs?: number | undefined;
  /**
   * Hand a restarted loop the setpoints answered before (as the store's `setpoints` table does; default
   * true). A setpoint whose answer was lost when Fusebox died is not among them, as in the store.
   */
  readonly rememberSetpoints?: boolean | undefined;
  /** Start the control loop at once (default true). */
  readonly startLoop?: boolean | undefined;
  /** A demand cap for each control loop started (a restart makes a new one, as a new process does). */
  readonly demandCap?: (() => DemandCap) | undefined;
  /** Simulated batteries (sim/devices/sim-battery.ts), commanded by the loop. */
  readonly batteries?: readonly SimBatterySpec[] | undefined;
  /** The site file's tariff, for the loop. */
  readonly tariff?: Tariff | undefined;
}

/** The live planner of a started loop, when the site file has `allocation.planner`. */
function plannerFor(
  h: SimHarness,
  cap: DemandCap | undefined,
  tariff: Tariff | undefined,
): LivePlanner | null {
  const settings = h.cs.site.allocation?.planner;
  if (!settings) return null;
  return new LivePlanner({
    settings,
    site: () => h.cs,
    ports: () => h.gateway.ports(),
    tariff,
    demand: cap && (() => cap.state()),
    clock: h.clock,
    logger: h.logger,
  });
}

export class SimHarness {
  readonly cs: CompiledSite;
  readonly clock: VirtualClock;
  readonly gateway: SimGateway;
  readonly world: SiteWorld;
  readonly logger: Logger;
  /** Every control loop started on this world, the current one last. */
  readonly loops: ControlLoop[] = [];
  /**
   * Session setpoints answered while Fusebox ran, the last hour's (answer time as the time sent: a later
   * expiry).
   */
  setpointLog: PriorSetpoint[] = [];
  private readonly control: (Partial<ControlOptions> & ControlTestSwitches) | undefined;
  private readonly rememberSetpoints: boolean;
  private readonly demandCap: (() => DemandCap) | undefined;
  private readonly tariff: Tariff | undefined;
  private pruneAt = 20_000;
  private current: ControlLoop | null = null;
  /** The live planner of the running loop (site file `allocation.planner`), else null. */
  planner: LivePlanner | null = null;

  constructor(o: HarnessOptions) {
    this.cs = o.site;
    this.clock = new VirtualClock(o.startMs ?? Date.UTC(2026, 0, 5, 8, 0, 0));
    this.gateway = new SimGateway(o.site, this.clock, o.gateway);
    this.world = new SiteWorld({
      site: o.site,
      clock: this.clock,
      gateway: this.gateway,
      loads: o.loads,
      pv: o.pv,
      meterIntervalMs: o.meterIntervalMs,
      tickMs: o.tickMs,
      batteries: o.batteries,
    });
    this.tariff = o.tariff;
    this.logger = pino({ level: 'silent' });
    this.control = o.control;
    this.rememberSetpoints = o.rememberSetpoints !== false;
    this.demandCap = o.demandCap;
    this.gateway.on('setpoint', (e) => {
      if (e.result !== 'accepted' && e.result !== 'rejected' && e.result !== 'timeout') return;
      const sessionId = this.gateway.port(e.portId)?.sessionId;
      this.setpointLog.push({
        portId: e.portId,
        sessionId,
        currentA: e.currentA,
        sentMs: e.atMs,
        outcome: e.result,
      });
      // Long scenarios send many: keep what a restart could still need (profiles live minutes).
      if (this.setpointLog.length > this.pruneAt) {
        const sinceMs = e.atMs - 3_600_000;
        this.setpointLog = this.setpointLog.filter((s) => s.sentMs >= sinceMs);
        this.pruneAt = Math.max(20_000, 2 * this.setpointLog.length);
      }
    });
    this.world.start();
    if (o.startLoop !== false) this.startLoop();
  }

  /** The running control loop; throws while Fusebox is down. */
  get loop(): ControlLoop {
    if (!this.current) throw new Error('Fusebox is not running');
    return this.current;
  }

  /** Starts a new control loop on the gateway and connects the meters to it. */
  startLoop(): ControlLoop {
    const demandCap = this.demandCap?.();
    void this.planner?.stop();
    const planner = plannerFor(this, demandCap, this.tariff);
    this.planner = planner;
    const loop = new ControlLoop({
      site: this.cs,
      gateway: this.gateway,
      clock: this.clock,
      logger: this.logger,
      options: this.control,
      priorSetpoints: this.rememberSetpoints ? [...this.setpointLog] : [],
      demandCap,
      batteries: this.world.batteryCommander,
      tariff: this.tariff,
      planTargets: planner ? (nowMs) => planner.targets(nowMs) : undefined,
      planBattery: planner ? (nowMs) => planner.batteryTarget(nowMs) : undefined,
    });
    if (planner) {
      wirePlanner(planner, loop);
      planner.start();
    }
    this.loops.push(loop);
    this.current = loop;
    this.world.connect(loop);
    loop.start();
    return loop;
  }

  /** Fusebox is killed: the loop stops without sending anything, its OCPP side and meter poller die with it. */
  kill(): void {
    this.current?.stop();
    void this.planner?.stop();
    this.planner = null;
    this.current = null;
    this.world.connect(null);
    this.gateway.fuseboxDown();
  }

  /** Fusebox starts again: a new control loop on the same stations, meters and cars. */
  restart(): ControlLoop {
    const loop = this.startLoop();
    this.gateway.fuseboxUp();
    return loop;
  }

  advanceBy(ms: number): Promise<void> {
    return this.clock.advanceBy(ms);
  }

  advanceTo(atMs: number): Promise<void> {
    return this.clock.advanceTo(atMs);
  }
}

/** A three-phase car with a big battery that charges for hours. */
export function bigCar(id: string, arrivalMs: number, over: Partial<EvSpec> = {}): EvSpec {
  return { id, batteryKwh: 100, socPct: 10, phases: 3, maxCurrentA: 32, arrivalMs, ...over };
}

/** A meter driver stanza for site YAML in tests (never connected: the world feeds the readings). */
/**
 * A harness on `site` from `startMs` with a big car arriving at each of `portIds` (named after its station),
 * run for 30 s: the start of the control tests that then change one input and watch the shares move.
 */
export async function withCarsCharging(
  site: CompiledSite,
  startMs: number,
  portIds: readonly string[],
): Promise<SimHarness> {
  const h = new SimHarness({ site, startMs });
  for (const p of portIds) h.world.addEv(p, bigCar(p.split('/')[0]!, startMs));
  await h.advanceBy(30_000);
  return h;
}

export const TEST_DRIVER = 'driver: { type: modbus, host: 127.0.0.1, port: 502, unitId: 1, preset: sdm630 }';
