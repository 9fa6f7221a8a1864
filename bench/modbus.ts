/**
 * Modbus polling: one MeterPoller reading 50 simulated SDM630 meters at 4 Hz over real Modbus TCP. The
 * meters run in a child process so that the CPU figure is the poller's alone (% of one core).
 * Target: every device at 4 Hz, p99 read latency well under the 250 ms poll interval.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { presetSource } from '../src/modbus/meter-driver.ts';
import type { PolledMeter } from '../src/modbus/meter-poller.ts';
import { MeterPoller } from '../src/modbus/meter-poller.ts';
import type { BenchOptions } from './run.ts';

const DEVICES = 50;
const POLL_MS = 250;
const WARMUP_MS = 2_000;
const MEASURE_MS = 10_000;

export interface ModbusBenchResult {
  readonly devices: number;
  readonly achievedHz: number;
  readonly readP99Ms: number;
  readonly cpuPercent: number;
}

async function startMeters(): Promise<{ port: number; stop: () => void }> {
  const main = fileURLToPath(new URL('../src/sim/devices/modbus-meter-main.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', main, '--devices', String(DEVICES)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /READY (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`simulated meters exited (${code})`)));
  });
  return { port, stop: () => child.kill('SIGTERM') };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function run(_opts: BenchOptions): Promise<ModbusBenchResult[]> {
  const meters = await startMeters();
  const devices: PolledMeter[] = Array.from({ length: DEVICES }, (_, i) => ({
    meterId: `meter-${i + 1}`,
    endpoint: { host: '127.0.0.1', port: meters.port, unitId: i + 1 },
    source: presetSource('sdm630', 'load'),
    pollIntervalMs: POLL_MS,
    requestTimeoutMs: 1000,
    staleAfterMs: 5000,
  }));
  const poller = new MeterPoller(devices);
  let counting = false;
  let readings = 0;
  const latencies: number[] = [];
  poller.on('reading', (_r, latencyMs) => {
    if (!counting) return;
    readings++;
    latencies.push(latencyMs);
  });
  try {
    poller.start();
    await sleep(WARMUP_MS);
    counting = true;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await sleep(MEASURE_MS);
    counting = false;
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    latencies.sort((a, b) => a - b);
    const result: ModbusBenchResult = {
      devices: DEVICES,
      achievedHz: Number((readings / DEVICES / (wallMs / 1000)).toFixed(2)),
      readP99Ms: Number(
        (latencies[Math.min(latencies.length - 1, Math.floor(0.99 * latencies.length))] ?? NaN).toFixed(2),
      ),
      cpuPercent: Number((((cpu.user + cpu.system) / 1000 / wallMs) * 100).toFixed(1)),
    };
    const stale = poller.statuses().filter((s) => s.stale).length;
    console.log(
      `modbus: ${result.devices} devices at ${1000 / POLL_MS} Hz target → ${result.achievedHz} Hz each, ` +
        `read p99 ${result.readP99Ms} ms, poller CPU ${result.cpuPercent} % of one core, ${stale} stale`,
    );
    return [result];
  } finally {
    await poller.stop();
    meters.stop();
  }
}
