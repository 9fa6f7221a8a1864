/**
 * How far increases may go out now (docs/control.md, "Sending limits"). The allocation counts every port at its
 * target, but a car follows a lower limit only within the car-response time: until then it may still draw
 * what it had. So each port is counted at what it may draw now (its hold: the highest limit in force or in
 * flight, and for carResponseMs after a decrease the limit before it), and an increase goes out as far as the
 * room left on every circuit of its path, on every phase and in kW, allows. What does not fit waits for the
 * decreases that make room to settle, and no unrelated decrease elsewhere on the site holds it back.
 */
import type { Capacity } from './allocation.ts';
import type { CompiledSite } from './compiled-site.ts';
import { DIM_COUNT, portLoadFactors } from './compiled-site.ts';
import { addPortLoad, subtractLoad } from './port-load.ts';

/** A port the allocation serves, counted at what it may draw now. */
export interface RampPort {
  readonly portId: string;
  /** The most its car may draw now, in A (see the module comment). */
  readonly holdA: number;
  /** Below this a car does not charge: an increase from below it that cannot reach it waits, in A. */
  readonly minCurrentA: number;
  /** The conductors its car draws on (as given to the allocator); undefined = all. */
  readonly conductorsInUse?: readonly boolean[] | undefined;
}

/** An increase the dispatcher would send: the port and the limit it is heading to, in A. */
export interface IncreaseRequest {
  readonly portId: string;
  readonly toA: number;
}

const EPS = 1e-6;

/**
 * The limit each requested port may be raised to now (at most its `toA`; its hold when there is no room).
 * Ports are served from the lowest hold up (a paused car first), each as far as the room left allows. A step
 * smaller than `minStepA` that does not reach `toA` is not granted (it would not be sent, and would hold room
 * others can use). A request for a port not in `ports` is granted whole: such a port is counted elsewhere at
 * what it may draw (a fixed load). Pure; O((P + R log R) · depth).
 */
export function raiseWithin(
  cs: CompiledSite,
  capacities: ReadonlyMap<string, Capacity>,
  ports: readonly RampPort[],
  requests: readonly IncreaseRequest[],
  minStepA: number,
): Map<string, number> {
  const granted = new Map<string, number>();
  if (requests.length === 0) return granted;
  const byId = new Map<string, RampPort>();
  for (const p of ports) byId.set(p.portId, p);
  // Every port at its hold, summed straight into the circuits' loads: no object or array per port (this runs
  // in every control run that has an increase to send, over every port).
  const held = new Float64Array(cs.circuits.length * DIM_COUNT);
  const conductorA = new Float64Array(3);
  for (const p of ports) {
    for (let k = 0; k < 3; k++) conductorA[k] = p.conductorsInUse?.[k] === false ? 0 : p.holdA;
    addPortLoad(cs, held, p.portId, conductorA);
  }
  const left = subtractLoad(cs, capacities, held);
  const room = new Float64Array(cs.circuits.length * DIM_COUNT);
  cs.circuits.forEach((c, ci) => {
    const cap = left.get(c.id)!;
    room.set([cap.phaseA[0], cap.phaseA[1], cap.phaseA[2], cap.powerKw], ci * DIM_COUNT);
  });

  const ordered = requests
    .map((r) => ({ r, port: byId.get(r.portId) }))
    .sort((a, b) => (a.port?.holdA ?? 0) - (b.port?.holdA ?? 0) || (a.r.portId < b.r.portId ? -1 : 1));
  for (const { r, port } of ordered) {
    const idx = cs.portIndex.get(r.portId);
    if (!port || idx === undefined) {
      granted.set(r.portId, r.toA);
      continue;
    }
    if (r.toA <= port.holdA) {
      // Already counted at least this high: raising to it adds nothing.
      granted.set(r.portId, r.toA);
      continue;
    }
    const factors = portLoadFactors(cs, idx, port.conductorsInUse);
    const path = cs.portPath[idx]!;
    let fits = r.toA - port.holdA;
    for (let level = 0; level < path.length; level++) {
      const o = path[level]! * DIM_COUNT;
      for (let d = 0; d < DIM_COUNT; d++) {
        const f = factors[level * DIM_COUNT + d]!;
        if (f > 1e-12) fits = Math.min(fits, Math.max(0, room[o + d]!) / f);
      }
    }
    let value = port.holdA + fits;
    // Within rounding of the target (an allocation that fills a circuit exactly): the target.
    if (value >= r.toA - EPS) value = r.toA;
    else if (fits < minStepA || value < port.minCurrentA) value = port.holdA;
    granted.set(r.portId, value);
    const added = value - port.holdA;
    if (added <= 0) continue;
    for (let level = 0; level < path.length; level++) {
      const o = path[level]! * DIM_COUNT;
      for (let d = 0; d < DIM_COUNT; d++)
        room[o + d] = room[o + d]! - added * factors[level * DIM_COUNT + d]!;
    }
  }
  return granted;
}
