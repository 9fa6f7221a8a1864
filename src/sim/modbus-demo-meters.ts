/**
 * The demo site's meters (examples/demo.yaml): on one Modbus TCP server, unit 1 is the grid meter (SDM630,
 * an office building's load) and unit 2 the carport PV inverter (SunSpec model 103).
 */
import type { Logger } from 'pino';
import { buildingLoad, pvProduction } from './load-profile.ts';
import { driveLoadMeter, drivePvInverter } from './modbus-meter-driver.ts';
import { SimulatedMeters } from './modbus-meter-server.ts';

export const DEMO_METER_PORT = 1502;

export interface DemoMeters {
  readonly meters: SimulatedMeters;
  stop(): Promise<void>;
}

/** Starts the demo meters, driven by their profiles in real time. */
export async function startDemoMeters(
  options: { host?: string; port?: number; logger?: Logger; utcOffsetMin?: number } = {},
): Promise<DemoMeters> {
  const meters = await SimulatedMeters.start({
    host: options.host ?? '127.0.0.1',
    port: options.port ?? DEMO_METER_PORT,
    logger: options.logger,
    devices: [
      { unitId: 1, model: { preset: 'sdm630' } },
      { unitId: 2, model: { sunspec: [103], manufacturer: 'Fusebox', model: 'Simulated PV 30 kW' } },
    ],
  });
  const offset = options.utcOffsetMin ?? 60;
  const load = driveLoadMeter(meters, 1, buildingLoad({ baseA: 25, peakA: 90, utcOffsetMin: offset }));
  const pv = drivePvInverter(meters, 2, pvProduction(30, 6, 20, offset));
  return {
    meters,
    stop: async () => {
      load.stop();
      pv.stop();
      await meters.close();
    },
  };
}
