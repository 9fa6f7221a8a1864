/**
 * A battery meter's `battery:` block (docs/configuration.md, "batteries"): the battery's spec (capacity,
 * power, reserve and maximum state of charge, phases) and, with `control`, how Fusebox commands it (SunSpec
 * model 124 storage controls, or a generic register-write map). Checked here and turned into the core's
 * SiteBattery (src/core/site.ts); its meter gives the circuit and the Modbus connection.
 */
import { z } from 'zod';
import type { Phase } from '../core/phases.ts';
import { PHASES } from '../core/phases.ts';
import type { SiteBattery } from '../core/site.ts';
import type { CircuitTree } from './circuit-tree.ts';
import type { MeterLinks } from './meter-links.ts';
import type { ParsedSections } from './parse-sections.ts';
import type { Report } from './problem-list.ts';

const kw = z.number({ error: 'expected a power in kW' }).positive('must be greater than 0 kW');
const pct = z
  .number({ error: 'expected a percentage' })
  .min(0, 'must be at least 0 %')
  .max(100, 'must be at most 100 %');
const address = z
  .number({ error: 'expected a register address' })
  .int('expected a whole register address')
  .min(0, 'must be 0 to 65535')
  .max(65535, 'must be 0 to 65535');

/** SunSpec model 124 (basic storage controls), found by discovery on the meter's connection. */
const sunspecControlSchema = z.strictObject({
  type: z.literal('sunspec'),
  /** InOutWRte_RvrtTms: the battery reverts to its own behaviour this long after the last write (s). */
  revertS: z.number().int('whole seconds').min(10, 'at least 10 s').max(3600, 'at most 3600 s').default(60),
});

/** A generic battery: one holding register takes the power setpoint; optional enable and watchdog registers. */
const registersControlSchema = z.strictObject({
  type: z.literal('registers'),
  power: z.strictObject({
    address,
    type: z.enum(['int16', 'uint16', 'int32', 'uint32', 'float32'], {
      error: 'expected int16, uint16, int32, uint32 or float32',
    }),
    /** kW per register unit, e.g. 0.001 for a register in W. */
    scale: z.number({ error: 'expected a number such as 0.001 (W)' }).positive('must be greater than 0'),
    /** Which way the register counts: charge-positive (default) or discharge-positive. */
    sign: z.enum(['charge-positive', 'discharge-positive']).default('charge-positive'),
  }),
  /** Written before the first setpoint, e.g. "remote control on". */
  enable: z.strictObject({ address, value: z.number().int().min(0).max(65535) }).optional(),
  /** A register the battery counts down in seconds and reverts at 0; written with `seconds` on every write. */
  watchdog: z.strictObject({ address, seconds: z.number().int().min(1).max(65535) }).optional(),
});

export const batteryBlockSchema = z.strictObject({
  capacityKwh: z.number({ error: 'expected an energy in kWh' }).positive('must be greater than 0 kWh'),
  maxChargeKw: kw,
  maxDischargeKw: kw,
  /** Never discharged below this state of charge. */
  reserveSocPct: pct.default(10),
  /** Never charged above this state of charge. */
  maxSocPct: pct.default(100),
  /** The phases its inverter feeds; default every phase of its circuit. */
  phases: z
    .array(z.enum(PHASES, { error: (iss) => `'${String(iss.input)}' is not a phase: L1, L2 or L3` }))
    .min(1, 'give at least one phase')
    .optional(),
  /** How Fusebox commands it; absent: read only (its measured power still counts). */
  control: z
    .discriminatedUnion('type', [sunspecControlSchema, registersControlSchema], {
      error: 'expected control: { type: sunspec } or { type: registers, power: {...} }',
    })
    .optional(),
});

export type BatteryBlock = z.output<typeof batteryBlockSchema>;
export type BatteryControlConfig = NonNullable<BatteryBlock['control']>;

/** The site's batteries from the battery meters' blocks, with cross-checks reported at their place. */
export function checkBatteries(
  parsed: ParsedSections,
  tree: CircuitTree,
  links: MeterLinks,
  report: Report,
): SiteBattery[] {
  const out: SiteBattery[] = [];
  for (const { index, value: m } of parsed.meters) {
    const b = m.battery;
    if (b === undefined) continue;
    const path = ['meters', index, 'battery'];
    if (m.role !== 'battery') {
      report.error(path, `only a meter with role battery has a battery block (this one is ${m.role})`);
      continue;
    }
    const circuitId = links.meters.find((x) => x.id === m.id)?.circuitId;
    const circuit = circuitId === undefined ? undefined : tree.byId.get(circuitId);
    if (!circuit || circuitId === undefined) continue; // reported by the meter links
    if (b.reserveSocPct >= b.maxSocPct)
      report.error([...path, 'reserveSocPct'], `must be below maxSocPct (${b.maxSocPct} %)`);
    const phases: readonly Phase[] = b.phases ?? circuit.supply.phases;
    b.phases?.forEach((p, k) => {
      if (!circuit.supply.phases.includes(p))
        report.error(
          [...path, 'phases', k],
          `circuit '${circuitId}' has no ${p} (its supply has ${circuit.supply.phases.join(', ')})`,
        );
    });
    if (new Set(phases).size !== phases.length) report.error([...path, 'phases'], 'a phase is listed twice');
    out.push({
      id: m.id,
      circuitId,
      meterId: m.id,
      capacityKwh: b.capacityKwh,
      maxChargeKw: b.maxChargeKw,
      maxDischargeKw: b.maxDischargeKw,
      reserveSocPct: b.reserveSocPct,
      maxSocPct: b.maxSocPct,
      phases,
      control: b.control !== undefined,
    });
  }
  return out;
}

/** `islanded` belongs on root circuits only: the grid connection is what goes away. */
export function checkIslanded(tree: CircuitTree, report: Report): void {
  for (const c of tree.ordered) {
    if (c.config.islanded !== undefined && c.parentId !== null)
      report.error(
        [...c.path, 'islanded'],
        `only a root circuit (the grid connection) has an islanded limit; '${c.id}' is below '${c.parentId}'`,
      );
  }
}
