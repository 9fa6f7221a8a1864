/**
 * The driver against an independent Modbus server (Debian's pymodbus): word and byte orders, types, scale
 * factors, SunSpec discovery, exceptions, invalid values. Values are packed by Python's struct module.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MapSource } from './meter-driver.ts';
import { MeterDriver, presetSource } from './meter-driver.ts';
import { ModbusDeviceError, ModbusTcpClient } from './modbus-client.ts';
import { registerMapSchema } from './register-map.ts';
import type { RegisterMapInput } from './register-map.ts';
import type { PyPoint, PyServer } from './testing/python-peers.ts';
import { requirePeers, startPyServer } from './testing/python-peers.ts';

const zeros = (from: number, to: number): PyPoint[] =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ address: from + i, words: [0] }));
const f32 = (
  address: number,
  value: number,
  wordOrder: 'big' | 'little' = 'big',
  byteOrder: 'big' | 'little' = 'big',
): PyPoint => ({
  address,
  type: 'f32',
  value,
  wordOrder,
  byteOrder,
});
const text = (s: string, size: number): number[] => {
  const b = Buffer.alloc(size * 2);
  b.write(s, 'latin1');
  return Array.from({ length: size }, (_, i) => b.readUInt16BE(i * 2));
};
// A SunSpec model 203 meter at base 40000, raw words and scale factors written out by hand.
const common = [
  1,
  66,
  ...text('Fronius', 16),
  ...text('Smart Meter TS 65A-3', 16),
  ...text('', 8),
  ...text('2.7', 8),
  ...text('SN123', 16),
  1,
  0,
];
const m203 = new Array<number>(107).fill(0xffff);
Object.assign(m203, {
  0: 203,
  1: 105,
  3: 1234,
  4: 567,
  5: 89,
  6: 0xfffe /* A_SF -2 */,
  8: 2315,
  9: 2298,
  10: 2302,
  15: 0xffff /* V_SF -1 */,
});
Object.assign(m203, {
  18: 0xf830 /* W -2000 */,
  19: 0xfc18 /* -1000 */,
  20: 0xfe0c /* -500 */,
  21: 0xfe0c,
  22: 0 /* W_SF 0 */,
});
Object.assign(m203, {
  38: 0x0001,
  39: 0x86a0 /* exp 100000 */,
  46: 0x0012,
  47: 0xd687 /* imp 1234567 */,
  54: 0 /* TotWh_SF 0: Wh */,
});
const sunspecWords = [0x5375, 0x6e53, ...common, ...m203, 0xffff, 0];

describe('meter driver against pymodbus', () => {
  let server: PyServer;
  let client: ModbusTcpClient;

  beforeAll(async () => {
    await requirePeers();
    server = await startPyServer({
      units: {
        // Unit 1: the same value in the four word/byte orders, and integer types.
        '1': {
          holding: [
            f32(0, 230.5, 'big', 'big'),
            f32(2, 230.5, 'little', 'big'),
            f32(4, 230.5, 'big', 'little'),
            f32(6, 230.5, 'little', 'little'),
            { address: 8, type: 's32', value: -123456, wordOrder: 'little' },
            { address: 10, type: 'u64', value: 9876543210, wordOrder: 'big' },
            { address: 14, type: 's16', value: -1500 },
            { address: 15, type: 'f64', value: -7.25, wordOrder: 'little' },
            { address: 19, words: [0x7fc0, 0x0000] }, // f32 NaN
            { address: 21, type: 's16', value: -2 }, // a scale factor
            { address: 22, type: 'u16', value: 1234 },
          ],
        },
        // Unit 2: an SDM630 (input registers, floats), with the gaps a one-block read spans.
        '2': {
          input: [
            ...zeros(0x12, 0x33),
            ...zeros(0x36, 0x47),
            f32(0x00, 231.1),
            f32(0x02, 229.9),
            f32(0x04, 230.4),
            f32(0x06, 10.5),
            f32(0x08, 8.25),
            f32(0x0a, 4),
            f32(0x0c, -2400),
            f32(0x0e, 1900),
            f32(0x10, 920),
            f32(0x34, 420),
            f32(0x48, 1500.25),
            f32(0x4a, 220.5),
          ],
        },
        '3': { holding: [{ address: 40000, words: sunspecWords }] },
        // Unit 5: an SDM630 variant without the export counter (0x4A..0x4B do not exist).
        '5': {
          input: [
            ...zeros(0x00, 0x33),
            ...zeros(0x36, 0x47),
            f32(0x06, 10.5),
            f32(0x34, 420),
            f32(0x48, 1500.25),
          ],
        },
        // Unit 6: registers 0-1 and 10-11 only; a read spanning 2..9 is refused.
        '6': { holding: [f32(0, 12.5), f32(10, 3.25)] },
        // Unit 4: SunSpec "not implemented" in a phase current.
        '4': {
          holding: [{ address: 40000, words: sunspecWords.map((w, i) => (i === 2 + 68 + 4 ? 0x8000 : w)) }],
        },
      },
    });
    client = new ModbusTcpClient({ host: '127.0.0.1', port: server.port, unitId: 1 }, 5000);
  }, 30_000);

  afterAll(async () => {
    client?.close();
    await server?.stop();
  });

  async function readAs(unitId: number, source: MapSource) {
    const c = new ModbusTcpClient({ host: '127.0.0.1', port: server.port, unitId }, 5000);
    await c.connect();
    try {
      return await new MeterDriver('m', source).read(c, () => 42);
    } finally {
      c.close();
    }
  }

  const generic = (points: RegisterMapInput['points'], extra: Partial<RegisterMapInput> = {}): MapSource => ({
    kind: 'map',
    map: registerMapSchema.parse({ function: 'holding', ...extra, points }),
  });

  it.each([
    ['big', 'big', 0],
    ['little', 'big', 2],
    ['big', 'little', 4],
    ['little', 'little', 6],
  ] as const)(
    'decodes an f32 with word order %s and byte order %s',
    async (wordOrder, byteOrder, address) => {
      const r = await readAs(
        1,
        generic({ voltageV: [{ address, type: 'f32', wordOrder, byteOrder }, null, null] }),
      );
      expect(r.voltageV[0]).toBe(230.5);
    },
  );

  it('decodes s32 (low word first), u64, s16, f64 and applies scale and a scale-factor register', async () => {
    const r = await readAs(
      1,
      generic(
        {
          powerKw: { address: 8, type: 's32', wordOrder: 'little', scale: 0.001 },
          energyImportKwh: { address: 10, type: 'u64', scale: 0.001 },
          powerPhaseKw: [
            { address: 14, type: 's16', scale: 0.001 },
            { address: 15, type: 'f64', wordOrder: 'little' },
            { address: 22, type: 'u16', scaleFactor: { address: 21 } },
          ],
        },
        { currentSign: 'signed' },
      ),
    );
    expect(r.powerKw).toBe(-123.456);
    expect(r.energyImportKwh).toBe(9876543.21);
    expect(r.powerPhaseKw).toEqual([-1.5, -7.25, 12.34]);
  });

  it('rejects a NaN value instead of using it', async () => {
    const r = await readAs(
      1,
      generic({ currentA: [{ address: 19, type: 'f32' }, { address: 0, type: 'f32' }, null] }),
    );
    expect(r.currentA[0]).toBeNull();
    expect(r.currentA[1]).toBe(230.5);
    expect(r.rejected).toEqual([{ quantity: 'currentA[0]', reason: 'NaN or infinite value', raw: NaN }]);
  });

  it('reads an SDM630 served by pymodbus with the sdm630 preset', async () => {
    const r = await readAs(2, presetSource('sdm630', 'load'));
    expect(r.voltageV).toEqual([231.1, 229.9, 230.4]);
    expect(r.currentA).toEqual([-10.5, 8.25, 4]);
    expect(r.powerPhaseKw).toEqual([-2.4, 1.9, 0.92]);
    expect(r.powerKw).toBe(0.42);
    expect(r.energyImportKwh).toBe(1500.25);
    expect(r.energyExportKwh).toBe(220.5);
  });

  it('discovers SunSpec at 40000 and applies the scale factors of model 203', async () => {
    const r = await readAs(3, { kind: 'sunspec', role: 'load' });
    expect(r.currentA).toEqual([-12.34, -5.67, -0.89]);
    expect(r.voltageV).toEqual([231.5, 229.8, 230.2]);
    expect(r.powerKw).toBe(-2);
    expect(r.powerPhaseKw).toEqual([-1, -0.5, -0.5]);
    expect(r.energyExportKwh).toBe(100);
    expect(r.energyImportKwh).toBe(1234.567);
  });

  it('rejects a SunSpec "not implemented" value', async () => {
    const r = await readAs(4, { kind: 'sunspec', role: 'load' });
    expect(r.currentA[1]).toBeNull();
    expect(r.rejected.map((x) => x.reason)).toEqual(['SunSpec "not implemented"']);
  });

  it('reports a Modbus exception with its code for a register the device does not have', async () => {
    await client.connect();
    const err = await client.read('holding', 30000, 2).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModbusDeviceError);
    expect(err).toMatchObject({ kind: 'exception', exceptionCode: 2 });
  });

  it('drops a register the device does not have and keeps reading the rest', async () => {
    const c = new ModbusTcpClient({ host: '127.0.0.1', port: server.port, unitId: 5 }, 5000);
    await c.connect();
    const driver = new MeterDriver('m', presetSource('sdm630', 'load'));
    try {
      const first = await driver.read(c, () => 1);
      const second = await driver.read(c, () => 2);
      for (const r of [first, second]) {
        expect(r.currentA[0]).toBe(10.5);
        expect(r.powerKw).toBe(0.42);
        expect(r.energyImportKwh).toBe(1500.25);
        expect(r.energyExportKwh).toBeNull();
        expect(r.rejected).toEqual([
          { quantity: 'energyExportKwh', reason: 'the device has no register 74' },
        ]);
      }
    } finally {
      c.close();
    }
  });

  it('stops spanning gaps the device refuses', async () => {
    const source = generic(
      { currentA: [{ address: 0, type: 'f32' }, { address: 10, type: 'f32' }, null] },
      { maxGap: 20 },
    );
    const r = await readAs(6, source);
    expect(r.currentA).toEqual([12.5, 3.25, null]);
    expect(r.rejected).toEqual([]);
  });

  it('fails discovery on a device without the SunSpec marker', async () => {
    await expect(readAs(2, { kind: 'sunspec', role: 'load' })).rejects.toThrow(/no SunSpec marker/);
  });
});
