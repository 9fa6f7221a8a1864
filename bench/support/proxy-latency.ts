/**
 * The proxy bench's latency phases (bench/proxy.ts): the same Heartbeat CALL through Fusebox (relayed) and
 * straight to the cloud (direct), from the same process, interleaved, under the same call pattern, so the
 * difference is what Fusebox adds. Each phase returns both samples sorted; the added latency is a
 * percentile of the relayed calls minus the same percentile of the direct ones (two independent samples of
 * calls made side by side: there is no pairing of one relayed call with one direct call to subtract).
 */
import type { Caller, Rig } from './proxy-rig.ts';
import { pool } from './proxy-rig.ts';
import { percentile } from './stats.ts';

/** One timed call: as whom the cloud sees it, and when it was sent and answered (wall clock, ms). */
interface Timed {
  readonly cloudId: string;
  readonly relayed: boolean;
  readonly sentMs: number;
  answeredMs: number;
}

export interface Samples {
  readonly relayed: number[];
  readonly direct: number[];
  readonly calls: Timed[];
}

const empty = (): Samples => ({ relayed: [], direct: [], calls: [] });
const wallMs = (): number => performance.timeOrigin + performance.now();

const r3 = (x: number): number => Math.round(x * 1000) / 1000;

export interface Added {
  readonly addedP50Ms: number;
  readonly addedP99Ms: number;
}

/** Added p50 and p99, and a line with both distributions for the report. */
export function added(s: Samples, what: string): Added & { line: string } {
  const [rel, dir] = [s.relayed, s.direct].map((x) => [...x].sort((a, b) => a - b)) as [number[], number[]];
  const addedP50Ms = r3(percentile(rel, 50) - percentile(dir, 50));
  const addedP99Ms = r3(percentile(rel, 99) - percentile(dir, 99));
  const line =
    `${what}: relayed p50 ${r3(percentile(rel, 50))} ms p99 ${r3(percentile(rel, 99))} ms; direct p50 ` +
    `${r3(percentile(dir, 50))} ms p99 ${r3(percentile(dir, 99))} ms (${rel.length} each): added p50 ` +
    `${addedP50Ms} ms p99 ${addedP99Ms} ms`;
  return { addedP50Ms, addedP99Ms, line };
}

async function timed(rig: Rig, id: string, relayed: boolean, s: Samples): Promise<void> {
  const c: Caller = relayed ? rig.stations.get(id)! : rig.direct.get(id)!;
  const t: Timed = { cloudId: relayed ? id : `D-${id}`, relayed, sentMs: wallMs(), answeredMs: NaN };
  s.calls.push(t);
  const t0 = performance.now();
  await c.call('Heartbeat', {});
  (relayed ? s.relayed : s.direct).push(performance.now() - t0);
  t.answeredMs = wallMs();
}

/** The k-th call of a phase: even k relayed, odd k direct, stations in turn. */
function callOf(rig: Rig, s: Samples, k: number): Promise<void> {
  return timed(rig, rig.ids[Math.floor(k / 2) % rig.ids.length]!, k % 2 === 0, s);
}

/** One call at a time (`calls` each): Fusebox's own time per relayed call, without any queue. */
export async function oneAtATime(rig: Rig, calls: number): Promise<Samples> {
  const s = empty();
  for (let k = 0; k < 2 * calls; k++) await callOf(rig, s, k);
  return s;
}

/**
 * Calls started at random (Poisson) instants, `perSecond` relayed and as many direct (interleaved), whether
 * or not the earlier ones were answered, `calls` each: stations that send when they have something to say,
 * as a site's stations do, at a set rate.
 */
export async function paced(rig: Rig, calls: number, perSecond: number): Promise<Samples> {
  const s = empty();
  const started: Promise<void>[] = [];
  const t0 = performance.now();
  let at = 0;
  for (let k = 0; k < 2 * calls; k++) {
    at += (-Math.log(1 - Math.random()) * 1000) / (2 * perSecond);
    const wait = t0 + at - performance.now();
    if (wait >= 1) await new Promise((r) => setTimeout(r, wait));
    started.push(callOf(rig, s, k));
  }
  await Promise.all(started);
  return s;
}

/**
 * `concurrency` stations each calling again as soon as answered (a relayed call, then a direct one),
 * `roundTrips` each: a closed loop that runs the three processes as fast as the CPUs allow, so each call
 * waits behind the others in flight; it measures the relay's throughput as much as its latency.
 */
export async function burst(rig: Rig, roundTrips: number, concurrency: number): Promise<Samples> {
  const s = empty();
  await pool(rig.ids, concurrency, async (id) => {
    for (let k = 0; k < roundTrips; k++) {
      await timed(rig, id, true, s);
      await timed(rig, id, false, s);
    }
  });
  return s;
}

/**
 * Where the time of each phase's calls goes: the way up (sent by the station to arrived at the cloud) and
 * the way back (arrived at the cloud to answered at the station), relayed and direct, p50 / p99, from the
 * cloud's arrival stamps (a wall clock in each process: comparable to a fraction of a millisecond).
 * The n-th Heartbeat a station sends is the n-th the cloud gets from it (one connection each way, in order).
 */
export async function hops(rig: Rig, phases: readonly (readonly [string, Samples])[]): Promise<string[]> {
  const got = await rig.cloud.ask<[string, string, unknown, number][]>({
    cmd: 'calls',
    actions: ['Heartbeat'],
  });
  const arrived = new Map<string, number[]>();
  for (const [id, , , at] of got) arrived.set(id, [...(arrived.get(id) ?? []), at]);
  const sent = phases.flatMap(([, s]) => s.calls).sort((a, b) => a.sentMs - b.sentMs);
  const at = new Map<Timed, number>();
  const next = new Map<string, number>();
  for (const c of sent) {
    const n = next.get(c.cloudId) ?? 0;
    next.set(c.cloudId, n + 1);
    const a = arrived.get(c.cloudId)?.[n];
    if (a !== undefined) at.set(c, a);
  }
  const pp = (xs: number[]): string => {
    xs.sort((a, b) => a - b);
    return `${r3(percentile(xs, 50))} / ${r3(percentile(xs, 99))}`;
  };
  return phases.map(([name, s]) => {
    const part = (relayed: boolean): string => {
      const cs = s.calls.filter((c) => c.relayed === relayed && at.has(c));
      const up = cs.map((c) => at.get(c)! - c.sentMs);
      const back = cs.map((c) => c.answeredMs - at.get(c)!);
      return `up ${pp(up)} ms, back ${pp(back)} ms`;
    };
    return `${name}, p50 / p99: relayed ${part(true)}; direct ${part(false)}`;
  });
}
