import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedMeters } from '../sim/devices/modbus-meter-server.ts';
import { fromPhases, pvValues } from '../sim/devices/modbus-meter-values.ts';
import { ProbeUrlError, parseModbusUrl } from '../modbus/probe.ts';
import { runProbe } from './probe.ts';

/** Runs `fusebox probe` with `args`: its exit code and the lines it printed, as one text. */
async function probe(args: string[]): Promise<{ code: number; text: string }> {
  const lines: string[] = [];
  const code = await runProbe(args, (l) => lines.push(l));
  return { code, text: lines.join('\n') };
}

describe('fusebox probe', () => {
  let sim: SimulatedMeters;
  beforeAll(async () => {
    sim = await SimulatedMeters.start({
      devices: [
        {
          unitId: 1,
          model: { preset: 'sdm630' },
          values: { ...fromPhases([10, 11, -2]), energyImportKwh: 12.5, energyExportKwh: 1 },
        },
        {
          unitId: 2,
          model: { sunspec: [113], manufacturer: 'Fronius', model: 'Symo 10.0-3-M' },
          values: { ...pvValues(7.5), energyImportKwh: 0, energyExportKwh: 99 },
        },
      ],
    });
  });
  afterAll(() => sim.close());

  it('parses modbus URLs with defaults', () => {
    expect(parseModbusUrl('modbus://10.0.0.5')).toEqual({ host: '10.0.0.5', port: 502, unitId: 1 });
    expect(parseModbusUrl('modbus://meter.local:1502/3')).toEqual({
      host: 'meter.local',
      port: 1502,
      unitId: 3,
    });
    expect(() => parseModbusUrl('tcp://x')).toThrow(ProbeUrlError);
  });

  it('reads an SDM630 once and prints values, units and direction', async () => {
    const { code, text } = await probe([`modbus://127.0.0.1:${sim.port}/1`, '--preset', 'sdm630']);
    expect(code, text).toBe(0);
    expect(text).toContain('L1 10.00 A   L2 11.00 A   L3 -2.00 A');
    expect(text).toContain('import 12.5 kWh');
    expect(text).toContain('importing / consuming');
  });

  it('prints the SunSpec identity and models it found', async () => {
    const { code, text } = await probe([
      `modbus://127.0.0.1:${sim.port}/2`,
      '--preset',
      'sunspec',
      '--role',
      'pv',
    ]);
    expect(code, text).toBe(0);
    expect(text).toContain('Fronius Symo 10.0-3-M');
    expect(text).toContain('113 (inverter, three phase (float))');
    expect(text).toContain('production  7.500 kW');
  });

  it('fails with a message (exit 1) when nothing answers, and 2 on bad arguments', async () => {
    const lines: string[] = [];
    expect(
      await runProbe(['modbus://127.0.0.1:1/1', '--preset', 'sdm630', '--timeout', '2000'], (l) =>
        lines.push(l),
      ),
    ).toBe(1);
    expect(lines.at(-1)).toMatch(/cannot connect|no answer/);
    expect(await runProbe(['modbus://127.0.0.1:1/1', '--preset', 'nope'], (l) => lines.push(l))).toBe(2);
    expect(lines.at(-1)).toMatch(/unknown meter preset 'nope'/);
  });
});
