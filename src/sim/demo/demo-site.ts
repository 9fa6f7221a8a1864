/**
 * The demo site's world (examples/demo.yaml, `npm start`): simulated stations over real OCPP WebSockets,
 * cars arriving and leaving, and the grid meter and PV inverter over real Modbus TCP. The grid meter reads
 * the building load plus what the cars really draw, less PV: what a real meter at the connection would see,
 * computed by the same load flow as the scenarios' site world (world/site-physics.ts). The cars draw by the EV
 * model's rules (world/ev-model.ts, through the simulated station).
 * Time of day for the building and PV profiles runs `speed` times faster than the clock; cars run in real time.
 */
import type { Logger } from 'pino';
import type { CompiledSite } from '../../core/compiled-site.ts';
import { DIM_COUNT } from '../../core/compiled-site.ts';
import type { OcppVersion } from '../../contracts/station-gateway.ts';
import { buildingLoadProfile, pvProfile } from '../world/profiles.ts';
import { driveLoadMeter, drivePvInverter } from '../devices/modbus-meter-driver.ts';
import { SimulatedMeters } from '../devices/modbus-meter-server.ts';
import { idleValues } from '../devices/modbus-meter-values.ts';
import type { SimCar } from '../devices/ocpp-station.ts';
import { SimulatedStation } from '../devices/ocpp-station.ts';
import { createRng } from '../world/profiles.ts';
import { circuitLoads, powerInjection } from '../world/site-physics.ts';

export interface DemoSiteOptions {
  readonly site: CompiledSite;
  /** OCPP versions per station id, from the configuration. */
  readonly versions: ReadonlyMap<string, OcppVersion>;
  /** ws://host:port/ocpp */
  readonly ocppUrl: string;
  readonly meterPort: number;
  /** Meters started beforehand with startDemoMeters (so Fusebox finds them at its first poll); the demo
   * site then drives and closes them. Without it the demo starts its own on meterPort. */
  readonly meters?: SimulatedMeters | undefined;
  readonly logger: Logger;
  /** Profile time runs this many times faster than real time (default 60: an hour a minute). */
  readonly speed?: number;
  /** Local hour of day the profiles start at (default 10:00, so PV produces). */
  readonly startHour?: number;
  readonly seed?: number;
  /** Meter values interval of the stations, in ms (default 5000). */
  readonly meterValuesMs?: number;
}

export interface DemoSite {
  readonly stations: readonly SimulatedStation[];
  stop(): Promise<void>;
}

const GRID_UNIT = 1;
const PV_UNIT = 2;
const PV_PEAK_KW = 30;
const BATTERY_UNIT = 3;
const BATTERY = { maxKw: 30, capacityKwh: 60 };

/**
 * Starts the demo's Modbus meters (grid meter on unit 1, PV inverter on unit 2, a SunSpec battery on unit 3
 * that takes model 124 commands) before anything drives them.
 */
export function startDemoMeters(port: number, logger: Logger): Promise<SimulatedMeters> {
  return SimulatedMeters.start({
    host: '127.0.0.1',
    port,
    logger,
    devices: [
      { unitId: GRID_UNIT, model: { preset: 'sdm630' } },
      { unitId: PV_UNIT, model: { sunspec: [103], manufacturer: 'Fusebox', model: 'Simulated PV 30 kW' } },
      {
        unitId: BATTERY_UNIT,
        model: { sunspec: [124, 802], manufacturer: 'Fusebox', model: 'Simulated battery 60 kWh' },
        battery: BATTERY,
        values: { ...idleValues(), socPct: 60 },
      },
    ],
  });
}

/** Starts the demo world; stations connect to Fusebox, which must already listen. */
export async function startDemoSite(o: DemoSiteOptions): Promise<DemoSite> {
  const rng = createRng(o.seed ?? 2026);
  const rnd = (): number => rng.next();
  const speed = o.speed ?? 60;
  const t0 = Date.now();
  const startOfDay = new Date(t0).setUTCHours(0, 0, 0, 0);
  const simT0 = startOfDay + (o.startHour ?? 10) * 3_600_000;
  const simTime = (atMs: number): number => simT0 + (atMs - t0) * speed;

  const meters = o.meters ?? (await startDemoMeters(o.meterPort, o.logger));
  const stations = await connectDemoStations(o);
  for (const s of stations) s.startMeterValues(o.meterValuesMs ?? 5000);

  // The grid meter at the root circuit: the site's load flow (world/site-physics.ts, as the scenarios' site
  // world) of what the cars draw, the building, PV and the battery.
  const root = o.site.circuits.findIndex((c) => c.parentId === null);
  // The scenarios' profiles (sim/world/profiles.ts) on the demo's own simulated day (simTime: UTC, from startHour):
  // an office day, PV from 6:00 to 20:00.
  const building = buildingLoadProfile({ seed: 1, timeZone: 'UTC', baseA: 25, peakA: 70 });
  const pv = pvProfile({ seed: 1, timeZone: 'UTC', peakKw: PV_PEAK_KW });
  const byId = new Map(stations.map((s) => [s.stationId, s]));
  const gridDriver = driveLoadMeter(meters, GRID_UNIT, (atMs) => {
    const draws = o.site.ports.map((p) => ({
      portId: p.id,
      conductorA: byId.get(p.stationId)!.drawA(p.connectorId),
    }));
    const b = building(simTime(atMs));
    const bat = meters.values(BATTERY_UNIT).currentA;
    const at = circuitLoads(o.site, draws, [
      { ci: root, phaseA: [b[0], b[1], b[2]] },
      powerInjection(o.site, root, -Math.max(0, pv(simTime(atMs)))),
      { ci: root, phaseA: [bat[0], bat[1], bat[2]] },
    ]);
    const i = root * DIM_COUNT;
    return [at[i]!, at[i + 1]!, at[i + 2]!];
  });
  // The battery runs at what Fusebox commands it (model 124), its state of charge on the demo's clock.
  let batteryAtMs = Date.now();
  const batteryTimer = setInterval(() => {
    const now = Date.now();
    meters.stepBattery(BATTERY_UNIT, (now - batteryAtMs) * speed, now);
    batteryAtMs = now;
  }, 1000);
  const pvDriver = drivePvInverter(meters, PV_UNIT, (atMs) => pv(simTime(atMs)));
  const cars = startDemoCars(stations, rnd, o.logger);

  return {
    stations,
    async stop() {
      cars.stop();
      gridDriver.stop();
      clearInterval(batteryTimer);
      pvDriver.stop();
      for (const s of stations) s.stopMeterValues();
      await Promise.allSettled(stations.map((s) => s.close()));
      await meters.close();
    },
  };
}

/** One simulated OCPP station per station of the site, connected (and booted) to Fusebox. */
async function connectDemoStations(o: DemoSiteOptions): Promise<SimulatedStation[]> {
  const byStation = new Map<string, { connectorId: number; portIdx: number }[]>();
  o.site.ports.forEach((p, portIdx) => {
    byStation.set(p.stationId, [
      ...(byStation.get(p.stationId) ?? []),
      { connectorId: p.connectorId, portIdx },
    ]);
  });
  const stations: SimulatedStation[] = [];
  for (const [stationId, ports] of byStation) {
    const station = new SimulatedStation({
      url: o.ocppUrl,
      stationId,
      version: o.versions.get(stationId) ?? '1.6',
      ports: ports.map(({ connectorId, portIdx }) => {
        const p = o.site.ports[portIdx]!;
        return { connectorId, phases: p.wiring.length === 6 ? 3 : 1, maxCurrentA: Math.floor(p.maxCurrentA) };
      }),
      // Like real stations: back by themselves (with backoff) after a dropped connection or a restart.
      reconnect: true,
    });
    station.on('reconnected', () => o.logger.info({ stationId }, 'simulated station reconnected'));
    station.on('error', (err: unknown) => o.logger.debug({ err, stationId }, 'simulated station error'));
    stations.push(station);
  }
  await Promise.all(stations.map((s) => s.connect()));
  return stations;
}

/** Cars: most ports get one at once, so the demo shows a busy site; then arrivals and departures. */
function startDemoCars(
  stations: readonly SimulatedStation[],
  rnd: () => number,
  logger: Logger,
): { stop(): void } {
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;
  const later = (ms: number, fn: () => Promise<void>): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      if (!stopped) fn().catch((err: unknown) => logger.debug({ err }, 'demo car step failed'));
    }, ms);
    timers.add(t);
  };
  const carFor = (maxA: number, phases: 1 | 3): SimCar => {
    const onePhase = phases === 1 || rnd() < 0.2;
    return {
      maxCurrentA: Math.min(maxA, onePhase ? (rnd() < 0.5 ? 16 : 32) : rnd() < 0.5 ? 16 : 32),
      phases: onePhase ? 1 : 3,
      socPct: 20 + 50 * rnd(),
      capacityWh: 40_000 + 40_000 * rnd(),
    };
  };
  // A step that fails (the station is offline) is tried again later, so no port stays idle for good.
  const RETRY_MS = 30_000;
  const leave = (station: SimulatedStation, connectorId: number, delayMs: number): void => {
    later(delayMs, async () => {
      try {
        await station.unplug(connectorId);
      } catch (err) {
        logger.debug({ err, stationId: station.stationId }, 'demo car could not leave yet');
        leave(station, connectorId, RETRY_MS);
        return;
      }
      cycle(station, connectorId, 30_000 + rnd() * 120_000);
    });
  };
  const cycle = (station: SimulatedStation, connectorId: number, delayMs: number): void => {
    later(delayMs, async () => {
      const port = station.port(connectorId);
      if (!station.connected) {
        cycle(station, connectorId, RETRY_MS);
        return;
      }
      const stayMs = 180_000 + rnd() * 600_000;
      const car = carFor(port.maxCurrentA, port.phases);
      // ISO 15118 cars (on 2.0.1 stations) say when they leave and what they need: from a quarter to all
      // of what the car could take over its stay, so that some need the site's help to get it.
      const couldTakeWh = (car.maxCurrentA * Math.min(car.phases, port.phases) * 230 * stayMs) / 3_600_000;
      car.departureMs = Date.now() + stayMs;
      car.energyWantedWh = Math.round(couldTakeWh * (0.25 + 0.75 * rnd()));
      try {
        await station.plugIn(connectorId, car);
        await station.start(connectorId, `DEMO-${station.stationId}-${connectorId}`);
      } catch (err) {
        logger.debug({ err, stationId: station.stationId }, 'demo car could not start charging');
        leave(station, connectorId, RETRY_MS);
        return;
      }
      leave(station, connectorId, stayMs);
    });
  };
  for (const station of stations) {
    for (const port of station.ports.values())
      cycle(station, port.connectorId, rnd() < 0.75 ? 500 + rnd() * 3000 : 20_000 + rnd() * 60_000);
  }

  return {
    stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
    },
  };
}
