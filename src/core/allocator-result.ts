/** The allocator's result objects: per-port limits with their reasons, circuit loads, the next state. */
import type { AllocatorState, CircuitExplain, LimitedBy, PortAllocation, PortMemory } from './allocation.ts';
import type { Scratch, SiteTables } from './allocator-scratch.ts';
import type { Works } from './allocator-works.ts';
import {
  CAP_SET,
  CAP_SINCE_SET,
  HI_CAR,
  HI_CLOUD,
  HI_DEMAND_MAX,
  REASON_CIRCUIT,
  REASON_HI,
  REASON_PAUSED,
} from './allocator-works.ts';
import type { CompiledSite } from './compiled-site.ts';
import { DIM_COUNT, DIMENSIONS } from './compiled-site.ts';
import { roundA } from './current-step.ts';

const PORT_MAX: LimitedBy = Object.freeze({ kind: 'port-max' });
const DEMAND_MAX: LimitedBy = Object.freeze({ kind: 'demand-max' });
const CLOUD_PROFILE: LimitedBy = Object.freeze({ kind: 'cloud-profile' });
const BELOW_MINIMUM: LimitedBy = Object.freeze({ kind: 'below-minimum' });
const IDLE: LimitedBy = Object.freeze({ kind: 'idle' });

/** One result per port of the site, in configuration order. */
export function allocations(
  cs: CompiledSite,
  tables: SiteTables,
  scratch: Scratch,
  source: readonly (string | undefined)[],
): PortAllocation[] {
  const { works, workOf } = scratch;
  const reasons = new Reasons(cs, tables, works, source);
  const allocation: PortAllocation[] = [];
  for (let i = 0; i < tables.portCount; i++) {
    const w = workOf[i]!;
    const portId = tables.portId[i]!;
    allocation.push(
      w < 0
        ? { portId, currentA: 0, limitedBy: IDLE }
        : { portId, currentA: works.currentA[w]!, limitedBy: reasons.of(w) },
    );
  }
  return allocation;
}

/** Turns reason codes into LimitedBy values; a circuit's reason is one object shared by its ports. */
class Reasons {
  private readonly circuit: (LimitedBy | undefined)[];

  constructor(
    private readonly cs: CompiledSite,
    private readonly tables: SiteTables,
    private readonly works: Works,
    private readonly source: readonly (string | undefined)[],
  ) {
    this.circuit = new Array<LimitedBy | undefined>(tables.constraintCount).fill(undefined);
  }

  of(w: number): LimitedBy {
    const works = this.works;
    switch (works.reason[w]) {
      case REASON_HI:
        return this.hiReason(w);
      case REASON_CIRCUIT:
        return this.circuitReason(works.reasonK[w]!);
      case REASON_PAUSED:
        return this.pausedReason(w);
      default:
        return BELOW_MINIMUM;
    }
  }

  private hiReason(w: number): LimitedBy {
    const kind = this.works.hiKind[w];
    if (kind === HI_CAR) return { kind: 'car', measuredA: this.works.carMeasuredA[w]! };
    if (kind === HI_CLOUD) return CLOUD_PROFILE;
    return kind === HI_DEMAND_MAX ? DEMAND_MAX : PORT_MAX;
  }

  private circuitReason(k: number): LimitedBy {
    let reason = this.circuit[k];
    if (reason === undefined) {
      const ci = Math.floor(k / DIM_COUNT);
      const dimension = DIMENSIONS[k % DIM_COUNT]!;
      reason = { kind: 'circuit', circuitId: this.cs.circuits[ci]!.id, dimension, source: this.source[ci] };
      this.circuit[k] = reason;
    }
    return reason;
  }

  private pausedReason(w: number): LimitedBy {
    const k = this.works.reasonK[w]!;
    const ci = Math.floor(k / DIM_COUNT);
    const circuitId = this.cs.circuits[ci]!.id;
    const dimension = DIMENSIONS[k % DIM_COUNT]!;
    const rotation = this.works.rotation[w] === 1;
    const source = this.source[ci];
    const behind = this.works.behind[w]!;
    if (behind < 0) return { kind: 'paused', circuitId, dimension, rotation, source };
    const waitingBehind = this.tables.portId[this.works.port[behind]!]!;
    return { kind: 'paused', circuitId, dimension, rotation, source, waitingBehind };
  }
}

export function explainCircuits(cs: CompiledSite, scratch: Scratch): CircuitExplain[] {
  const circuits: CircuitExplain[] = [];
  for (let ci = 0; ci < cs.circuits.length; ci++) {
    circuits.push({
      circuitId: cs.circuits[ci]!.id,
      load: tuple4(scratch.used, ci),
      capacity: tuple4(scratch.capacity, ci),
    });
  }
  return circuits;
}

function tuple4(a: Float64Array, ci: number): [number, number, number, number] {
  const o = ci * DIM_COUNT;
  return [roundA(a[o]!), roundA(a[o + 1]!), roundA(a[o + 2]!), roundA(a[o + 3]!)];
}

/** What every port with a car remembers for the next call, in admission order. */
export function nextState(works: Works, tables: SiteTables, nowMs: number): AllocatorState {
  const ports = new Map<string, PortMemory>();
  for (let r = 0; r < works.count; r++) {
    const w = works.order[r]!;
    const mem = works.memory[w];
    ports.set(tables.portId[works.port[w]!]!, nextMemory(works, w, mem, nowMs));
  }
  return { ports };
}

/** The port's new memory; the old object when nothing changed, so steady state allocates nothing here. */
function nextMemory(works: Works, w: number, mem: PortMemory | undefined, nowMs: number): PortMemory {
  const x = works.currentA[w]!;
  const wasRunning = mem !== undefined && mem.runningSinceMs !== null && mem.lastA > 0;
  const changed = mem === undefined || Math.abs(x - mem.lastA) >= works.stepA[w]! / 2;
  const lastA = changed ? x : mem.lastA;
  const offeredSinceMs = changed ? nowMs : mem.offeredSinceMs;
  const runningSinceMs = x > 0 ? (wasRunning ? mem.runningSinceMs : nowMs) : null;
  const waitingSinceMs = x > 0 ? null : (mem?.waitingSinceMs ?? (wasRunning ? nowMs : works.arrivedAtMs[w]!));
  const flags = works.carCapFlags[w]!;
  const carCapA = flags & CAP_SET ? works.carCapA[w]! : null;
  const carCapSinceMs = flags & CAP_SINCE_SET ? works.carCapSinceMs[w]! : null;
  const servedMs =
    wasRunning && x <= 0 ? mem.servedMs + Math.max(0, nowMs - mem.runningSinceMs) : (mem?.servedMs ?? 0);
  if (
    mem !== undefined &&
    mem.lastA === lastA &&
    mem.offeredSinceMs === offeredSinceMs &&
    mem.runningSinceMs === runningSinceMs &&
    mem.waitingSinceMs === waitingSinceMs &&
    mem.carCapA === carCapA &&
    mem.carCapSinceMs === carCapSinceMs &&
    mem.servedMs === servedMs
  )
    return mem;
  return { lastA, offeredSinceMs, runningSinceMs, waitingSinceMs, carCapA, carCapSinceMs, servedMs };
}
