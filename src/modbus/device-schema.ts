/**
 * The `driver` block of a Modbus meter in the site config. The config module plugs this schema into
 * `meters[].driver` (see docs/meters.md); the driver reads only what this schema validated.
 */
import { z } from 'zod';
import { PRESET_NAMES } from './presets/index.ts';
import { registerMapSchema } from './register-map.ts';

/** 4 Hz, the default poll rate (docs/control.md: DLM recomputes on every reading). */
export const DEFAULT_POLL_INTERVAL_MS = 250;

export const modbusDriverSchema = z
  .strictObject({
    type: z.literal('modbus'),
    host: z.string({ error: 'expected a host name or IP address' }).min(1, 'must not be empty'),
    port: z.number().int().min(1).max(65535).default(502),
    /** Modbus unit id (slave address; behind a gateway, the RS-485 address of the meter). */
    unitId: z.number().int().min(0).max(255).default(1),
    preset: z
      .enum(PRESET_NAMES as [string, ...string[]], {
        error: (iss) =>
          `'${String(iss.input)}' is not a preset: ${PRESET_NAMES.join(', ')} (or give registers)`,
      })
      .optional(),
    /** A generic device: its register map (docs/meters.md). */
    registers: registerMapSchema.optional(),
    pollIntervalMs: z
      .number()
      .int('must be a whole number of ms')
      .min(50, 'must be at least 50 ms (20 Hz)')
      .default(DEFAULT_POLL_INTERVAL_MS),
    /** How long one request may take before it counts as failed. */
    requestTimeoutMs: z.number().int().min(50).max(60_000).default(1000),
    /** The meter (or its CTs) is mounted the other way round: flip signs, swap import/export energy. */
    invert: z.boolean().default(false),
  })
  .superRefine((d, ctx) => {
    if (d.preset !== undefined && d.registers !== undefined)
      ctx.addIssue({
        code: 'custom',
        message: 'give either preset or registers (a generic register map), not both',
        path: ['preset'],
      });
    if (d.preset === undefined && d.registers === undefined)
      ctx.addIssue({
        code: 'custom',
        message: `say what the device is: a preset (${PRESET_NAMES.join(', ')}) or a registers map`,
        path: ['preset'],
      });
  });

export type ModbusDriverConfig = z.output<typeof modbusDriverSchema>;
export type ModbusDriverInput = z.input<typeof modbusDriverSchema>;
