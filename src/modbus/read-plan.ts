/** Which register blocks one poll reads: the map's registers, merged into as few requests as allowed. */
import type { RegisterMap, RegisterPoint } from './register-map.ts';
import { PHASE_QUANTITIES, SINGLE_QUANTITIES } from './register-map.ts';
import type { RegisterFunction } from './register-types.ts';
import { wordCount } from './register-types.ts';

/** One read request: `count` registers from `address` in one table. */
export interface ReadRequest {
  readonly function: RegisterFunction;
  readonly address: number;
  readonly count: number;
}

/** Modbus application protocol §6.3/§6.4: a read asks for at most 125 registers. */
export const MAX_READ_REGISTERS = 125;

/** Every point of a map, whatever its quantity. */
export function pointsOf(map: RegisterMap): RegisterPoint[] {
  const out: RegisterPoint[] = [];
  for (const q of PHASE_QUANTITIES) for (const p of map.points[q] ?? []) if (p) out.push(p);
  for (const q of SINGLE_QUANTITIES) {
    const p = map.points[q];
    if (p) out.push(p);
  }
  return out;
}

/** The requests that read every register (and scale-factor register) of the map. */
export function planReads(map: RegisterMap): ReadRequest[] {
  const wanted: Record<RegisterFunction, Set<number>> = { holding: new Set(), input: new Set() };
  for (const p of pointsOf(map)) {
    const fn = p.function ?? map.function;
    for (let i = 0; i < wordCount(p.type); i++) wanted[fn].add(p.address + i);
    if (p.scaleFactor) wanted[p.scaleFactor.function ?? fn].add(p.scaleFactor.address);
  }
  const requests: ReadRequest[] = [];
  for (const fn of ['holding', 'input'] as const) {
    const addrs = [...wanted[fn]].sort((a, b) => a - b);
    let start: number | undefined;
    let end = 0;
    for (const a of addrs) {
      if (
        start !== undefined &&
        a - end - 1 <= map.maxGap &&
        a - start < Math.min(map.maxRead, MAX_READ_REGISTERS)
      ) {
        end = a;
        continue;
      }
      if (start !== undefined) requests.push({ function: fn, address: start, count: end - start + 1 });
      start = a;
      end = a;
    }
    if (start !== undefined) requests.push({ function: fn, address: start, count: end - start + 1 });
  }
  return requests;
}
