/** The battery and the one-run dispatch the battery tests build on. */
import { INITIAL_ALLOCATOR_STATE } from '../allocation.ts';
import { allocate } from '../allocator.ts';
import type { BatteryObservation } from '../battery.ts';
import { dispatchBatteries } from '../battery.ts';
import type { CompiledSite } from '../compiled-site.ts';
import type { CapacityInputs } from '../effective-capacity.ts';
import { effectiveCapacities } from '../effective-capacity.ts';
import { loadOnCircuits } from '../port-load.ts';
import type { SiteBattery } from '../site.ts';

/**
 * A controlled three-phase battery `b1` (meter `bat`, 100 kWh, 10-95 % state of charge) on `circuitId` that
 * charges and discharges at up to `maxKw`; `extra` on top.
 */
export function testBattery(circuitId: string, maxKw: number, extra: Partial<SiteBattery> = {}): SiteBattery {
  return {
    id: 'b1',
    circuitId,
    meterId: 'bat',
    capacityKwh: 100,
    maxChargeKw: maxKw,
    maxDischargeKw: maxKw,
    reserveSocPct: 10,
    maxSocPct: 95,
    phases: ['L1', 'L2', 'L3'],
    control: true,
    ...extra,
  };
}

/**
 * One control run of a site with one battery `b1` (seen as `observation`) whose every port's car wants
 * `carA` on each conductor: the battery dispatch, then the allocation on the capacities it leaves.
 */
export function dispatchThenAllocate(
  cs: CompiledSite,
  inputs: CapacityInputs,
  observation: BatteryObservation,
  carA: number,
  nowMs: number,
) {
  const portIds = cs.site.ports.map((p) => p.id);
  const d = dispatchBatteries(cs, {
    observations: new Map([['b1', observation]]),
    inputs,
    capacities: effectiveCapacities(cs, inputs, nowMs),
    evWant: loadOnCircuits(
      cs,
      portIds.map((portId) => ({ portId, conductorA: [carA, carA, carA] })),
    ),
    exportKw: null,
    nowMs,
  });
  const r = allocate(
    cs,
    { capacities: d.capacities, demands: portIds.map((portId) => ({ portId })) },
    INITIAL_ALLOCATOR_STATE,
    nowMs,
  );
  return { decision: d.decisions[0]!, carA: r.allocation.map((x) => x.currentA) };
}
