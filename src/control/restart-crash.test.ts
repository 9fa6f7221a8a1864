/**
 * A crash (SIGKILL) while an increase is in flight: the setpoint is stored, committed, before its frame goes
 * out, so the next start's restart guard counts the port at it although its answer never came. Real OCPP
 * WebSockets, a real SQLite file, a real process killed.
 */
import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../clock.ts';
import { compileSite } from '../core/compiled-site.ts';
import type { Harness } from '../ocpp/testing/ocpp-harness.ts';
import { eventually, startHarness } from '../ocpp/testing/ocpp-harness.ts';
import { SimulatedStation } from '../sim/devices/ocpp-station.ts';
import { recentSessionSetpoints } from '../store/recent-setpoints.ts';
import { ControlLoop } from './control-loop.ts';

const EXPIRY_MS = 300_000;
let dir = '';
let child: ChildProcessByStdio<Writable, Readable, null> | undefined;
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  child?.kill('SIGKILL');
  child = undefined;
  for (const c of cleanups.splice(0).reverse()) await c();
  rmSync(dir, { recursive: true, force: true });
});

describe('a crash with an increase in flight', () => {
  it('leaves the increase visible to the restart guard of the next start', async () => {
    dir = mkdtempSync(join(tmpdir(), 'fusebox-crash-setpoint-'));
    const dbPath = join(dir, 'fusebox.db');
    const script = fileURLToPath(new URL('./testing/crash-ocpp-server.ts', import.meta.url));
    const proc = spawn(process.execPath, ['--import', 'tsx', script, dbPath], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    child = proc;
    const lines: string[] = [];
    let buffer = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const parts = buffer.split('\n');
      buffer = parts.pop()!;
      lines.push(...parts);
    });
    const url = (await eventually(() => lines.find((l) => l.startsWith('url ')), 'the server', 30_000)).slice(
      4,
    );

    // A car on CP1-1 (40 A circuit, two 32 A ports: fail-safe 20 A each), under its default.
    const st = new SimulatedStation({ url, stationId: 'CP1', version: '1.6', ports: 2 });
    st.on('error', () => undefined);
    cleanups.push(() => st.close().catch(() => undefined));
    await st.connect();
    await eventually(
      () => st.profiles.all().filter((p) => p.purpose === 'TxDefaultProfile').length === 2,
      'both defaults',
    );
    await st.plugIn(1);
    await st.start(1, 'T');

    // The increase to 32 A goes out; the station never answers, and Fusebox dies before it would time out.
    st.answering = 'never';
    proc.stdin.write('send CP1-1 32\n');
    await eventually(
      () =>
        st.received.some((r) => {
          if (r.action !== 'SetChargingProfile') return false;
          const p = r.payload as {
            csChargingProfiles: {
              chargingProfilePurpose: string;
              chargingSchedule: { chargingSchedulePeriod: { limit: number }[] };
            };
          };
          return (
            p.csChargingProfiles.chargingProfilePurpose === 'TxProfile' &&
            p.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0]!.limit === 32
          );
        }),
      'the 32 A frame at the station',
    );
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGKILL');
    await exited;
    child = undefined;
    await st.close();

    // The next start: the station is not back; the guard counts CP1-1 at the 32 A it may be drawing.
    const h: Harness = await startHarness({
      stations: [{ id: 'CP1', ports: 2, version: '1.6' }],
      circuitLimitA: 40,
      settings: { acceptUnknownIdTags: true },
      dbPath,
    });
    cleanups.push(() => h.stop());
    const prior = recentSessionSetpoints(h.store.db, Date.now() - EXPIRY_MS);
    expect(prior).toContainEqual(
      expect.objectContaining({ portId: 'CP1-1', currentA: 32, outcome: 'timeout' }),
    );
    const loop = new ControlLoop({
      site: compileSite(h.site),
      gateway: h.server,
      clock: systemClock,
      logger: pino({ level: 'silent' }),
      options: { setpointExpiryMs: EXPIRY_MS, coalesceMs: 5 },
      priorSetpoints: prior,
    });
    cleanups.push(() => loop.stop());
    loop.start();
    loop.runNow();
    const s = loop.snapshot()!;
    expect(s.unknownPorts.get('CP1-1')).toBe('station-offline');
    expect(s.fixed.find((f) => f.portId === 'CP1-1')?.conductorA[0]).toBe(32);
  }, 60_000);
});
