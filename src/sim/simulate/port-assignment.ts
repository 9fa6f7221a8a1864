/**
 * Which port (network EVSE) each session's car plugs into, decided before any policy runs: a port is
 * occupied from the car's arrival to its departure, full or not, as in a real car park, so placement does
 * not depend on the policy. `as-in-data`: the port the data names, else the first free port of the data's
 * station. `free`: any free port of the network, the one idle longest (ties: network order). A car that
 * finds no port it may use is turned away: its demand counts and nothing is delivered.
 */
import type { Network } from '../../core/planner/network.ts';
import type { SimSession } from '../sessions/sim-session.ts';

export const ASSIGN_PORTS_MODES = ['as-in-data', 'free'] as const;
export type AssignPortsMode = (typeof ASSIGN_PORTS_MODES)[number];

/** Where each session went. */
export interface PortAssignment {
  readonly mode: AssignPortsMode;
  /** Per session, in the order given: index into network.evses, or -1 when the car was turned away. */
  readonly evseOf: Int32Array;
  readonly turnedAwaySessions: number;
  readonly turnedAwayKwh: number;
}

/** Sessions whose station (or port) the network does not have, in `as-in-data` mode. */
export class UnknownStationsError extends Error {
  constructor(readonly stations: readonly string[]) {
    const list = [...stations].sort();
    super(
      `${list.length} station(s) of the sessions are not in the network: ${list.slice(0, 8).join(', ')}` +
        `${list.length > 8 ? ', …' : ''}; to place the sessions on the network's own ports, use --assign-ports free`,
    );
    this.name = 'UnknownStationsError';
  }
}

/**
 * Per station id of the network, its EVSE indexes in network order: by the EVSE's stationId, else the part
 * of its id before '/' (a site port `cp1/2`), else its id.
 */
function evsesByStation(network: Network): Map<string, number[]> {
  const out = new Map<string, number[]>();
  network.evses.forEach((e, i) => {
    const slash = e.id.indexOf('/');
    const station = e.stationId ?? (slash > 0 ? e.id.slice(0, slash) : e.id);
    const list = out.get(station);
    if (list) list.push(i);
    else out.set(station, [i]);
  });
  return out;
}

/** The EVSEs a session may use as in the data: the port it names, else its station's ports, else an EVSE of that id. */
function candidatesOf(
  s: SimSession,
  byId: ReadonlyMap<string, number>,
  byStation: ReadonlyMap<string, number[]>,
): readonly number[] | undefined {
  const port = s.portId === undefined ? undefined : byId.get(s.portId);
  if (port !== undefined) return [port];
  const station = byStation.get(s.stationId);
  if (station) return station;
  const direct = byId.get(s.stationId);
  return direct === undefined ? undefined : [direct];
}

/** Station ids of the sessions that `as-in-data` cannot place (sorted, each once). */
export function unknownStations(sessions: readonly SimSession[], network: Network): string[] {
  const byId = new Map(network.evses.map((e, i) => [e.id, i]));
  const byStation = evsesByStation(network);
  const missing = new Set<string>();
  for (const s of sessions) if (!candidatesOf(s, byId, byStation)) missing.add(s.stationId);
  return [...missing].sort();
}

/** Session indexes in arrival order, ties by session id (the engine's order), so the result never depends on input order. */
function arrivalOrder(sessions: readonly SimSession[]): number[] {
  return sessions
    .map((_, i) => i)
    .sort((a, b) => {
      const x = sessions[a]!;
      const y = sessions[b]!;
      return x.arrivalMs - y.arrivalMs || x.id.localeCompare(y.id) || a - b;
    });
}

/** Min-heap of ports by (busy until, index): its top is the port idle longest when it is free. */
class PortHeap {
  private readonly until: number[] = [];
  private readonly idx: number[] = [];

  constructor(count: number) {
    // All ports idle since forever, in network order: already a heap.
    for (let i = 0; i < count; i++) {
      this.until.push(-Infinity);
      this.idx.push(i);
    }
  }

  get size(): number {
    return this.idx.length;
  }

  topUntil(): number {
    return this.until[0]!;
  }

  topIndex(): number {
    return this.idx[0]!;
  }

  /** Replaces the top port's busy-until time and restores the heap. */
  replaceTop(until: number): void {
    this.until[0] = until;
    let i = 0;
    const n = this.idx.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.less(l, m)) m = l;
      if (r < n && this.less(r, m)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }

  private less(a: number, b: number): boolean {
    return (
      this.until[a]! < this.until[b]! || (this.until[a] === this.until[b] && this.idx[a]! < this.idx[b]!)
    );
  }

  private swap(a: number, b: number): void {
    [this.until[a], this.until[b]] = [this.until[b]!, this.until[a]!];
    [this.idx[a], this.idx[b]] = [this.idx[b]!, this.idx[a]!];
  }
}

/**
 * Places every session on a port of `network` (see the file comment). In `as-in-data` mode a session whose
 * station the network lacks throws UnknownStationsError; one that arrives while every port it may use is
 * still occupied (stays that overlap in the data) is turned away.
 */
export function assignPorts(
  sessions: readonly SimSession[],
  network: Network,
  mode: AssignPortsMode,
): PortAssignment {
  const evseOf = new Int32Array(sessions.length).fill(-1);
  let turnedAwaySessions = 0;
  let turnedAwayKwh = 0;
  const turnAway = (s: SimSession): void => {
    turnedAwaySessions++;
    turnedAwayKwh += Math.max(0, s.energyKwh);
  };
  const order = arrivalOrder(sessions);
  if (mode === 'free') {
    const heap = new PortHeap(network.evses.length);
    for (const i of order) {
      const s = sessions[i]!;
      // A port whose car left at the very instant this one arrives is free.
      if (heap.size > 0 && heap.topUntil() <= s.arrivalMs) {
        evseOf[i] = heap.topIndex();
        heap.replaceTop(s.departureMs);
      } else turnAway(s);
    }
    return { mode, evseOf, turnedAwaySessions, turnedAwayKwh };
  }
  const missing = unknownStations(sessions, network);
  if (missing.length > 0) throw new UnknownStationsError(missing);
  const byId = new Map(network.evses.map((e, i) => [e.id, i]));
  const byStation = evsesByStation(network);
  const busyUntil = new Float64Array(network.evses.length).fill(-Infinity);
  for (const i of order) {
    const s = sessions[i]!;
    const e = candidatesOf(s, byId, byStation)!.find((c) => busyUntil[c]! <= s.arrivalMs);
    if (e === undefined) {
      turnAway(s);
      continue;
    }
    evseOf[i] = e;
    busyUntil[e] = s.departureMs;
  }
  return { mode, evseOf, turnedAwaySessions, turnedAwayKwh };
}

/**
 * Per station of the data, the most cars it ever holds at once (arrival to departure; a departure frees the
 * port for an arrival at the same instant): the aggregate model gives each station that many EVSEs.
 */
export function carsAtOncePerStation(sessions: readonly SimSession[]): Map<string, number> {
  const events = new Map<string, [number, number][]>();
  for (const s of sessions) {
    const list = events.get(s.stationId) ?? [];
    list.push([s.arrivalMs, 1], [s.departureMs, -1]);
    events.set(s.stationId, list);
  }
  const out = new Map<string, number>();
  for (const [station, list] of events) {
    list.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let now = 0;
    let most = 0;
    for (const [, d] of list) {
      now += d;
      most = Math.max(most, now);
    }
    out.set(station, most);
  }
  return out;
}
