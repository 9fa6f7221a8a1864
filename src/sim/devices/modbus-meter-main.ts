/**
 * Runs simulated meters in their own process (for the Modbus benchmark, or by hand):
 *   npx tsx src/sim/devices/modbus-meter-main.ts [--devices 50] [--preset sdm630] [--port 0]
 * Prints "READY <port>" once listening; units 1..N each serve the preset with a varying load.
 */
import { parseArgs } from 'node:util';
import { SimulatedMeters } from './modbus-meter-server.ts';
import { fromPhases } from './modbus-meter-values.ts';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '50' },
    preset: { type: 'string', default: 'sdm630' },
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
  },
});
const count = Number(values.devices);
const meters = await SimulatedMeters.start({
  host: values.host,
  port: Number(values.port),
  devices: Array.from({ length: count }, (_, i) => ({ unitId: i + 1, model: { preset: values.preset } })),
});
const timer = setInterval(() => {
  const t = Date.now() / 1000;
  for (let u = 1; u <= count; u++) {
    const a = 20 + 10 * Math.sin(t + u);
    meters.set(u, { ...fromPhases([a, a * 0.9, a * 1.1]), energyImportKwh: t / 3600, energyExportKwh: 0 });
  }
}, 250);
console.log(`READY ${meters.port}`);
const stop = (): void => {
  clearInterval(timer);
  void meters.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.resume();
