import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { modbusDriverSchema } from './device-schema.ts';
import { mapSourceOf } from './meter-driver.ts';

describe('modbus driver config', () => {
  it('takes the short form the example configs use, with 4 Hz polling by default', () => {
    const d = modbusDriverSchema.parse({
      type: 'modbus',
      host: '192.168.1.20',
      port: 502,
      unitId: 1,
      preset: 'sdm630',
    });
    expect(d).toMatchObject({ pollIntervalMs: 250, requestTimeoutMs: 1000, invert: false });
    expect(mapSourceOf(d, 'load').kind).toBe('map');
    expect(mapSourceOf({ ...d, preset: 'sunspec' }, 'pv')).toEqual({ kind: 'sunspec', role: 'pv' });
  });

  it('takes a generic register map', () => {
    const d = modbusDriverSchema.parse({
      type: 'modbus',
      host: 'meter.local',
      registers: {
        function: 'input',
        wordOrder: 'little',
        points: { powerKw: { address: 12, type: 's32', scale: 0.001 } },
      },
    });
    expect(d.registers?.points.powerKw).toMatchObject({ address: 12, type: 's32', scale: 0.001 });
  });

  it('names what is wrong, with its path', () => {
    const r = modbusDriverSchema.safeParse({ type: 'modbus', host: 'h', preset: 'sdm640' });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]).toMatchObject({
      path: ['preset'],
      message: expect.stringContaining("'sdm640' is not a preset") as string,
    });
    const neither = modbusDriverSchema.safeParse({ type: 'modbus', host: 'h' });
    expect(neither.error?.issues[0]?.message).toMatch(/a preset \(sdm630.*\) or a registers map/);
    const bad = modbusDriverSchema.safeParse({
      type: 'modbus',
      host: 'h',
      registers: { points: { powerKw: { address: 70000, type: 'u8' } } },
    });
    expect(bad.error?.issues.map((i) => i.path.join('.'))).toEqual([
      'registers.points.powerKw.address',
      'registers.points.powerKw.type',
    ]);
  });

  it('plugs into the config as a member of the meters[].driver discriminated union', () => {
    const driver = z.discriminatedUnion('type', [
      modbusDriverSchema,
      z.strictObject({ type: z.literal('simulated') }),
    ]);
    expect(driver.parse({ type: 'modbus', host: 'h', preset: 'em24' })).toMatchObject({
      preset: 'em24',
      port: 502,
    });
    expect(driver.parse({ type: 'simulated' })).toEqual({ type: 'simulated' });
    expect(driver.safeParse({ type: 'modbus', host: 'h', preset: 'em24', extra: 1 }).success).toBe(false);
  });

  it('accepts the Modbus meters of every example site', () => {
    const dir = new URL('../../examples/', import.meta.url);
    const drivers = readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .flatMap((f) => {
        const site = parse(readFileSync(new URL(f, dir), 'utf8')) as {
          meters?: { driver: { type: string } }[];
        };
        return (site.meters ?? []).map((m) => m.driver).filter((d) => d.type === 'modbus');
      });
    expect(drivers.length).toBeGreaterThan(0);
    for (const d of drivers) expect(modbusDriverSchema.safeParse(d).error).toBeUndefined();
  });
});
