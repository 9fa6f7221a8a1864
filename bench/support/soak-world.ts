/**
 * The simulated side of the soak (bench/soak.ts): the stations, the cars that come and go on their ports,
 * the building behind the grid meter, and what they all draw on each circuit.
 */
import type { CompiledSite } from '../../src/core/compiled-site.ts';
import { DIM_COUNT } from '../../src/core/compiled-site.ts';
import { loadOnCircuits } from '../../src/core/port-load.ts';
import type { SimCar } from '../../src/sim/devices/ocpp-station.ts';
import { SimulatedStation } from '../../src/sim/devices/ocpp-station.ts';
import type { Acknowledged } from './soak-ledger.ts';

const METER_VALUES_MS = 10_000;
const BUILDING_STEP_MS = 20_000;
/** The building behind the grid meter, per phase, in A. */
const BUILDING_MIN_A = 50;
/**
 * The most the building draws per phase under a grid connection of `gridA`: 500 A, and never more than half
 * the connection, so that the building alone never takes a small site over its limit (no controller could
 * help that). Fusebox assumes it when the grid meter is stale.
 */
export const buildingMaxA = (gridA: number): number => Math.min(500, Math.round(gridA / 2));

/** The simulated stations, connected and booted 100 at a time; each one's acknowledged records watched. */
export async function connectStations(
  count: number,
  ocppPort: number,
  acked: Acknowledged,
  stations: SimulatedStation[],
): Promise<void> {
  for (let s = 0; s < count; s++) {
    const st = new SimulatedStation({
      url: `ws://127.0.0.1:${ocppPort}/ocpp`,
      stationId: `CP${s}`,
      version: s % 2 === 0 ? '1.6' : '2.0.1',
      ports: 2,
      keepReceived: 0,
    });
    acked.watch(st);
    stations.push(st);
  }
  let next = 0;
  await Promise.all(
    Array.from({ length: 100 }, async () => {
      while (next < stations.length) await stations[next++]!.connect();
    }),
  );
}

export type Later = (ms: number, fn: () => Promise<unknown>) => void;

/**
 * Cars: each port alternates between a session of 2-8 min (MeterValues every 10 s) and 0.5-2 min empty.
 * Returns the count of sessions started so far.
 */
export function startCars(
  stations: readonly SimulatedStation[],
  later: Later,
  rnd: () => number,
): () => number {
  let sessionsStarted = 0;
  const carFor = (): SimCar => {
    const onePhase = rnd() < 0.2;
    return { maxCurrentA: rnd() < 0.5 ? 16 : 32, phases: onePhase ? 1 : 3 };
  };
  const cycle = (st: SimulatedStation, connectorId: number, delayMs: number): void => {
    later(delayMs, async () => {
      await st.plugIn(connectorId, carFor());
      await st.start(connectorId, `SOAK-${st.stationId}-${connectorId}`);
      sessionsStarted++;
      const stayMs = 120_000 + rnd() * 360_000;
      const meterLoop = (): void =>
        later(METER_VALUES_MS, async () => {
          if (!st.port(connectorId).tx) return;
          await st.sendMeterValues(connectorId);
          meterLoop();
        });
      later(rnd() * METER_VALUES_MS, async () => {
        if (st.port(connectorId).tx) await st.sendMeterValues(connectorId);
        meterLoop();
      });
      later(stayMs, async () => {
        await st.unplug(connectorId);
        cycle(st, connectorId, 30_000 + rnd() * 90_000);
      });
    });
  };
  for (const st of stations) for (const c of [1, 2]) cycle(st, c, rnd() * 60_000);
  return () => sessionsStarted;
}

/**
 * What the cars draw, per circuit and phase (`measure` adds it up from the stations), and the building's
 * load per phase at the root; `rootA` is what the grid meter reads.
 */
export function physics(cs: CompiledSite, root: number, stations: readonly SimulatedStation[]) {
  const building: [number, number, number] = [100, 100, 100];
  let atCircuits: Float64Array = new Float64Array(cs.circuits.length * DIM_COUNT);
  return {
    building,
    measure(): void {
      atCircuits = loadOnCircuits(
        cs,
        cs.ports.map((p) => ({
          portId: p.id,
          conductorA: stations[Number(p.stationId.slice(2))]?.drawA(p.connectorId) ?? [],
        })),
      );
    },
    /** What circuit c carries on phase ph: its cars, and the building at the root. */
    loadA: (c: number, ph: number): number =>
      atCircuits[c * DIM_COUNT + ph]! + (c === root ? building[ph]! : 0),
    evA: (c: number, ph: number): number => atCircuits[c * DIM_COUNT + ph]!,
    /** The building's load steps every 20 s to a random level between its least and its most. */
    stepBuilding(later: Later, rnd: () => number): void {
      const maxA = buildingMaxA(cs.circuits[root]!.limitA);
      const step = (): void =>
        later(BUILDING_STEP_MS, () => {
          for (let k = 0; k < 3; k++) building[k] = BUILDING_MIN_A + rnd() * (maxA - BUILDING_MIN_A);
          step();
          return Promise.resolve();
        });
      step();
    },
    rootA(): [number, number, number] {
      const i = root * DIM_COUNT;
      return [
        building[0] + atCircuits[i]!,
        building[1] + atCircuits[i + 1]!,
        building[2] + atCircuits[i + 2]!,
      ];
    },
  };
}
