/**
 * The EMS map of a running Fusebox (src/ems-view.ts), read over real Modbus TCP while a simulated OCPP 1.6
 * station charges: the circuit limit in force, the port's session energy, and a SIGHUP-style reload that
 * adds and renames circuits.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import modbusSerial from 'modbus-serial';
import pino from 'pino';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { startTestFusebox, stationOn } from './testing/test-fusebox.ts';
import type { Fusebox } from './app.ts';
import { startFusebox } from './app.ts';
import type { LoadedSiteConfig } from './config/load.ts';
import { loadSiteConfigText } from './config/load.ts';
import { ModbusTcpClient } from './modbus/modbus-client.ts';
import type { SimulatedStation } from './sim/devices/ocpp-station.ts';

const SITE = (circuits: string, stationCircuit: string): string => `
site: { name: ems view, timeZone: UTC }
ocpp: { host: 127.0.0.1 }
http: { host: 127.0.0.1 }
ems: { host: 127.0.0.1, allow: [127.0.0.1], watchdogMs: 600000 }
circuits:
${circuits}
stations:
  - { id: st-1, circuit: ${stationCircuit} }
`;
const BEFORE = SITE(
  `  - { id: main, kind: grid, limitA: 63 }
  - { id: left, parent: main, limitA: 32 }`,
  'left',
);
// 'left' renamed to 'west' (its station follows), 'right' added: the numbering of the running map stays.
const AFTER = SITE(
  `  - { id: main, kind: grid, limitA: 60 }
  - { id: west, parent: main, limitA: 30 }
  - { id: right, parent: main, limitA: 25 }`,
  'west',
);

function load(text: string): LoadedSiteConfig {
  const r = loadSiteConfigText(text, 'site.yaml');
  if (!r.ok) throw new Error(r.problems.map((p) => p.message).join('\n'));
  return r;
}

// modbus-serial is CommonJS: under NodeNext its default export arrives as the module object (modbus-client.ts).
type ModbusRTUClass = typeof modbusSerial.default;
const ModbusRTU = ((modbusSerial as unknown as { default?: ModbusRTUClass }).default ??
  modbusSerial) as ModbusRTUClass;

const s32 = (w: readonly number[], at: number): number => ((w[at]! << 16) | w[at + 1]!) >> 0;
const u32 = (w: readonly number[], at: number): number => ((w[at]! << 16) | w[at + 1]!) >>> 0;
const NOT_AVAILABLE_S32 = -0x80000000;
const UNTIL = { timeout: 20_000, interval: 100 };

describe('the EMS map of a running Fusebox (ems-view)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fusebox-ems-view-'));
  let fusebox: Fusebox | undefined;
  let station: SimulatedStation | undefined;
  let client: ModbusTcpClient | undefined;
  let writer: InstanceType<ModbusRTUClass> | undefined;

  afterAll(async () => {
    client?.close();
    writer?.close(() => undefined);
    await station?.close();
    await fusebox?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the limit in force, the session energy, and survives a reload that adds and renames circuits', async () => {
    const loaded = load(BEFORE);
    const warnings: string[] = [];
    fusebox = await startTestFusebox(loaded, dir, {
      logger: pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) }),
      control: { coalesceMs: 10 },
    });
    const f = fusebox;
    station = stationOn(f, 'st-1');
    await station.connect();
    station.port(1).meterWh = 1_000_000;
    await station.plugIn(1);
    const { transactionId } = await station.start(1, 'TAG-1');
    expect(transactionId).not.toBe('');
    const st = station;
    st.port(1).meterWh += 12_340; // 12.34 kWh delivered in this session
    await st.sendMeterValues(1);

    client = new ModbusTcpClient({ host: '127.0.0.1', port: f.endpoints.emsPort!, unitId: 1 }, 10_000);
    await client.connect();
    const c = client;
    const circuit = (k: number): Promise<number[]> => c.read('holding', 1000 + 10 * k, 10);
    const port0 = (): Promise<number[]> => c.read('holding', 3000, 10);

    // The port charges; its session energy is the energy register's rise since the session began.
    await vi.waitFor(async () => {
      const p = await port0();
      expect(p[0]).toBe(3); // charging
      const delivered = (st.energyWh(1) - st.port(1).tx!.meterStartWh) / 1000;
      expect(u32(p, 8) / 100).toBeGreaterThanOrEqual(12.34);
      expect(u32(p, 8) / 100).toBeLessThanOrEqual(delivered + 0.01);
    }, UNTIL);

    // The circuit's limitA is the limit in force: static 32 A, then an operator override, then an EMS command.
    expect(s32(await circuit(1), 6)).toBe(3200);
    f.control.setOverrides(
      new Map([['left', [{ limitA: 20, untilMs: Date.now() + 3_600_000, source: 'override by test' }]]]),
    );
    await vi.waitFor(async () => expect(s32(await circuit(1), 6)).toBe(2000), UNTIL);
    writer = new ModbusRTU();
    await writer.connectTCP('127.0.0.1', { port: f.endpoints.emsPort! });
    writer.setID(1);
    await writer.writeRegister(601, 155); // circuit 1: 15.5 A
    await vi.waitFor(async () => expect(s32(await circuit(1), 6)).toBe(1550), UNTIL);
    expect(s32(await circuit(0), 6)).toBe(6300);

    // Reload: 'left' becomes 'west', 'right' is added. The map keeps its numbering until a restart.
    const identityBefore = await c.read('holding', 0, 10);
    expect(f.reconfigure(load(AFTER).compiled)).toBeNull();
    const told = warnings.map((l) => JSON.parse(l) as { msg: string; added?: string[]; removed?: string[] });
    expect(told.filter((w) => w.msg.startsWith('EMS map: circuits changed'))).toMatchObject([
      { added: ['west', 'right'], removed: ['left'] },
    ]);
    f.control.setOverrides(new Map());
    await vi.waitFor(async () => expect(s32(await circuit(0), 6)).toBe(6000), UNTIL); // main: reloaded limit
    const [hb1] = await c.read('holding', 100, 1);
    await vi.waitFor(async () => expect((await c.read('holding', 100, 1))[0]).not.toBe(hb1), UNTIL);
    expect((await c.read('holding', 101, 1))[0]! & 1).toBe(1); // controller alive
    expect(await c.read('holding', 0, 10)).toEqual(identityBefore); // same counts, same layout hash
    // The slot of 'left' (gone) reads "not available"; the port keeps its values.
    const gone = await circuit(1);
    expect([s32(gone, 0), s32(gone, 6), s32(gone, 8)]).toEqual([
      NOT_AVAILABLE_S32,
      NOT_AVAILABLE_S32,
      NOT_AVAILABLE_S32,
    ]);
    const p = await port0();
    expect(p[0]).toBe(3);
    expect(u32(p, 8) / 100).toBeGreaterThanOrEqual(12.34);
  }, 60_000);
  it('keeps answering between a reload and the next allocation (the snapshot is still of the old site)', async () => {
    // Requested runs wait a minute, the periodic one ten: after the reload the control snapshot still has
    // 'left', the site in force 'west'.
    const second = await startFusebox({
      loaded: load(BEFORE),
      configDir: dir,
      logger: pino({ level: 'silent' }),
      ports: { ocpp: 0, http: 0, ems: 0 },
      storePath: join(dir, 'second.db'),
      webRoot: join(dir, 'no-web'),
      control: { coalesceMs: 60_000, periodMs: 600_000 },
    });
    const reader = new ModbusTcpClient(
      { host: '127.0.0.1', port: second.endpoints.emsPort!, unitId: 1 },
      10_000,
    );
    try {
      await reader.connect();
      const runs = second.control.snapshot()!.runs;
      expect(second.reconfigure(load(AFTER).compiled)).toBeNull();
      const [hb1] = await reader.read('holding', 100, 1);
      await vi.waitFor(async () => expect((await reader.read('holding', 100, 1))[0]).not.toBe(hb1), UNTIL);
      expect(second.control.snapshot()!.runs).toBe(runs); // still the snapshot of the site before the reload
      expect((await reader.read('holding', 101, 1))[0]! & 1).toBe(1); // controller alive
      expect(s32(await reader.read('holding', 1000, 10), 6)).toBe(6300); // main, as last allocated
      expect(s32(await reader.read('holding', 1010, 10), 6)).toBe(NOT_AVAILABLE_S32); // 'left' is gone
    } finally {
      reader.close();
      await second.stop();
    }
  });
});
