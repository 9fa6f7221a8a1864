/**
 * Reaction to a load step, end to end over real sockets: Fusebox with its Modbus poller reading a simulated
 * grid meter, and simulated stations over OCPP WebSockets with every port charging. The building load steps
 * up; we time from the first meter reading showing the step reaching the control loop to the last decrease
 * sent, and to the last decrease confirmed by its station. Targets: < 50 ms to send at 100 ports,
 * < 250 ms at 1,000.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { Fusebox } from '../src/app.ts';
import { startFusebox } from '../src/app.ts';
import type { LoadedSiteConfig } from '../src/config/load.ts';
import { loadSiteConfigText } from '../src/config/load.ts';
import type { DispatchRecord } from '../src/control/dispatcher.ts';
import { fromPhases } from '../src/sim/devices/modbus-meter-values.ts';
import { SimulatedMeters } from '../src/sim/devices/modbus-meter-server.ts';
import { SimulatedStation } from '../src/sim/devices/ocpp-station.ts';
import type { BenchOptions } from './run.ts';

const SIZES = [100, 1000];
const PORTS_PER_STATION = 2;
const STEPS = 12;
const PORT_MAX_A = 16;

export interface ReactionResult {
  readonly ports: number;
  readonly sendP50Ms: number;
  readonly sendP99Ms: number;
  readonly confirmP50Ms: number;
  readonly confirmP99Ms: number;
}

function siteYaml(ports: number, meterPort: number): string {
  // EV share 10 A per port at the low building load; the step takes it down to about 5 A per port.
  const limitA = ports * 10 + 100;
  const stations = Array.from(
    { length: ports / PORTS_PER_STATION },
    (_, i) => `  - { id: s${i}, ports: ${PORTS_PER_STATION}, maxA: ${PORT_MAX_A}, stepA: 0.1 }`,
  );
  return [
    'site: { timeZone: UTC }',
    'circuits:',
    `  - { id: grid, limitA: ${limitA}, meter: grid-meter, staleNonEvLoadA: ${limitA} }`,
    'meters:',
    `  - { id: grid-meter, role: load, circuit: grid, timeoutMs: 5000, driver: { type: modbus, host: 127.0.0.1, port: ${meterPort}, unitId: 1, preset: sdm630 } }`,
    'stations:',
    ...stations.map((s) => s.replace('{ id', '{ circuit: grid, id')),
  ].join('\n');
}

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor(q * s.length))]! * 10) / 10;
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function runSize(ports: number): Promise<ReactionResult> {
  const dir = mkdtempSync(join(tmpdir(), 'fusebox-reaction-'));
  const meters = await SimulatedMeters.start({ devices: [{ unitId: 1, model: { preset: 'sdm630' } }] });
  const loaded = loadSiteConfigText(siteYaml(ports, meters.port), 'reaction.yaml') as LoadedSiteConfig;
  if (!loaded.ok) throw new Error(loaded.problems.map((p) => p.message).join('\n'));
  const limitA = loaded.site.circuits[0]!.limitA;
  const setBuilding = (a: number): void => meters.set(1, fromPhases([a, a, a]));
  setBuilding(100);

  const fusebox: Fusebox = await startFusebox({
    loaded,
    configDir: dir,
    logger: pino({ level: 'silent' }),
    ports: { ocpp: 0, http: 0 },
    storePath: join(dir, 'fusebox.db'),
    control: { carResponseMs: 1000 },
  });
  const stations = loaded.config.stations.map(
    (s) =>
      new SimulatedStation({
        url: `ws://127.0.0.1:${fusebox.endpoints.ocppPort}/ocpp`,
        stationId: s.id,
        version: '1.6',
        ports: PORTS_PER_STATION,
      }),
  );
  try {
    for (let i = 0; i < stations.length; i += 50)
      await Promise.all(stations.slice(i, i + 50).map((s) => s.connect()));
    for (let i = 0; i < stations.length; i += 50) {
      await Promise.all(
        stations.slice(i, i + 50).map(async (s) => {
          for (let c = 1; c <= PORTS_PER_STATION; c++) {
            await s.plugIn(c, { maxCurrentA: PORT_MAX_A, phases: 3 });
            await s.start(c, `TAG-${s.stationId}-${c}`);
          }
        }),
      );
    }
    // Stations report what their cars draw (DLM needs it to tell EV load from the building's).
    for (const s of stations) s.startMeterValues(2000);
    // The meter reads building + what the cars draw, like a real grid meter.
    const carsA = (): number =>
      stations.reduce((sum, s) => sum + [1, 2].reduce((x, c) => x + (s.drawA(c)[0] ?? 0), 0), 0);
    let buildingA = 100;
    const feed = setInterval(() => {
      const a = buildingA + carsA();
      meters.set(1, fromPhases([a, a, a]));
    }, 100);

    const records: DispatchRecord[] = [];
    fusebox.control.dispatcher.onRecord((r) => records.push(r));
    let stepSeenAtMs: number | null = null;
    let lastReadingA = 0;
    let baselineA = Infinity;
    const highA = limitA * 0.5;
    // The step is seen when a reading exceeds the one before the step by most of the step's size.
    fusebox.meters!.on('reading', (r) => {
      const a = r.currentA[0] ?? 0;
      if (stepSeenAtMs === null && a >= baselineA + 0.9 * (highA - 100)) stepSeenAtMs = Date.now();
      lastReadingA = a;
    });

    const send: number[] = [];
    const confirm: number[] = [];
    await sleep(3000);
    for (let step = 0; step < STEPS; step++) {
      // Settle low, then step up and wait for every decrease to be answered.
      buildingA = 100;
      await sleep(2500);
      records.length = 0;
      stepSeenAtMs = null;
      baselineA = lastReadingA;
      buildingA = highA;
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline) {
        await sleep(50);
        const seen = stepSeenAtMs;
        if (seen === null) continue;
        const decreases = records.filter((r) => r.decrease && r.sentAtMs >= seen);
        if (decreases.length >= ports * 0.9 && fusebox.control.dispatcher.decreasesInFlight === 0) break;
      }
      baselineA = Infinity;
      const seen = stepSeenAtMs as number | null;
      const decreases = records.filter((r) => r.decrease && seen !== null && r.sentAtMs >= seen);
      if (seen === null || decreases.length === 0) continue;
      send.push(Math.max(...decreases.map((r) => r.sentAtMs)) - seen);
      confirm.push(Math.max(...decreases.map((r) => r.answeredAtMs)) - seen);
    }
    clearInterval(feed);
    for (const s of stations) s.stopMeterValues();
    if (send.length === 0) throw new Error('no step produced decreases');
    return {
      ports,
      sendP50Ms: quantile(send, 0.5),
      sendP99Ms: quantile(send, 0.99),
      confirmP50Ms: quantile(confirm, 0.5),
      confirmP99Ms: quantile(confirm, 0.99),
    };
  } finally {
    await Promise.allSettled(stations.map((s) => s.close()));
    await fusebox.stop();
    await meters.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs every size and prints one line each. */
export async function run(_opts: BenchOptions): Promise<ReactionResult[]> {
  const results: ReactionResult[] = [];
  for (const ports of SIZES) {
    const r = await runSize(ports);
    results.push(r);
    console.log(
      `reaction ${String(ports).padStart(5)} ports: last decrease sent p50 ${r.sendP50Ms} ms, p99 ${r.sendP99Ms} ms; ` +
        `confirmed p50 ${r.confirmP50Ms} ms, p99 ${r.confirmP99Ms} ms (from the meter reading, ${STEPS} steps)`,
    );
  }
  return results;
}
