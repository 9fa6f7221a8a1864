/**
 * `npm run bench -- proxy`: the real `fusebox start` (a child process, on a generated site file with
 * `upstream:`) relaying BENCH_STATIONS (500) simulated stations, which run in this process, to a
 * cloud central system in a second child process (src/proxy/testing/cloud-child.ts), all on 127.0.0.1
 * (bench/support/proxy-rig.ts). The stations, Fusebox and the cloud each have their own event loop.
 * - addedP50Ms / addedP99Ms: a Heartbeat's round trip from this process through Fusebox to the cloud minus
 *   the same from this process straight to the cloud (percentile against percentile), with calls started
 *   at random instants, BENCH_CALLS_PER_SECOND (100) relayed and as many direct, interleaved, whether or
 *   not earlier ones were answered: the same load and pattern for both (bench/support/proxy-latency.ts).
 *   100 calls/s is several times what 500 stations send (a MeterValues a minute each: 8/s).
 * - oneAtATime*: the same with one call in flight (Fusebox's own time per call, no queue).
 * - burst*: BENCH_CONCURRENCY (50) stations each calling again as soon as answered (the earlier versions'
 *   only method): a closed loop at full speed, where each call waits behind the others in flight in
 *   whichever process is the slowest; on a relayed call that includes Fusebox's queue, so this measures the
 *   relay's throughput on the machine's cores as much as its latency.
 * It also prints, per phase, the way up (station to cloud) and back (cloud to station) of the relayed and
 * the direct calls, from the cloud's arrival stamps: where the added time is spent.
 * - fuseboxCpuUsPerRelayedCall: Fusebox's CPU time (user + system, /proc) over the latency phases per
 *   relayed call; the machine's load changes it much less than the latencies.
 * - replayMessagesPerSecond: the cloud down for BENCH_OUTAGE_MIN (60) minutes of traffic (per station a
 *   StartTransaction, a MeterValues a minute, a StopTransaction), then back: queued messages over the time
 *   from the first replayed message the cloud receives to the last (timed by the cloud; the reconnect
 *   backoff before it is printed apart) (bench/support/proxy-replay.ts).
 * - lost / duplicated: transaction messages the cloud lacks or has twice, against what the stations sent.
 * One result entry per OCPP version in BENCH_VERSIONS (`1.6,2.0.1`), each with a fresh Fusebox and cloud
 * and every station on that version; 2.0.1's outage traffic is TransactionEvent Started, an Updated a
 * minute, Ended.
 * BENCH_ROUND_TRIPS (4): calls per station per path in the paced and burst phases.
 * BENCH_FUSEBOX_ARGS: extra node options for the Fusebox child (e.g. `--cpu-prof --cpu-prof-dir=/tmp/p`).
 */
import type { OcppVersion } from '../src/contracts/station-gateway.ts';
import { OCPP_VERSIONS } from '../src/contracts/station-gateway.ts';
import type { BenchOptions } from './run.ts';
import { added, burst, hops, oneAtATime, paced } from './support/proxy-latency.ts';
import { outageAndReplay } from './support/proxy-replay.ts';
import type { Rig } from './support/proxy-rig.ts';
import { cpuMsOf, startRig } from './support/proxy-rig.ts';

const STATIONS = Number(process.env.BENCH_STATIONS ?? 500);
const OUTAGE_MIN = Number(process.env.BENCH_OUTAGE_MIN ?? 60);
const ROUND_TRIPS = Number(process.env.BENCH_ROUND_TRIPS ?? 4);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const PER_SECOND = Number(process.env.BENCH_CALLS_PER_SECOND ?? 100);
const ONE_AT_A_TIME = 500;

/** The three latency phases and Fusebox's CPU time per relayed call over them. */
async function latency(rig: Rig, say: (line: string) => void): Promise<Record<string, number>> {
  const cpuBefore = cpuMsOf(rig.fuseboxPid);
  const oneS = await oneAtATime(rig, ONE_AT_A_TIME);
  const one = added(oneS, 'one call at a time');
  say(one.line);
  const calls = STATIONS * ROUND_TRIPS;
  const openS = await paced(rig, calls, PER_SECOND);
  const open = added(openS, `${PER_SECOND} calls/s each, at random instants`);
  say(open.line);
  const closedS = await burst(rig, ROUND_TRIPS, CONCURRENCY);
  const closed = added(closedS, `${CONCURRENCY} stations calling at once`);
  say(closed.line);
  const cpuAfter = cpuMsOf(rig.fuseboxPid);
  const phases = [
    ['one at a time', oneS],
    [`${PER_SECOND} calls/s`, openS],
    [`${CONCURRENCY} at once`, closedS],
  ] as const;
  for (const line of await hops(rig, phases)) say(line);
  const relayedCalls = ONE_AT_A_TIME + 2 * calls;
  const cpuUs =
    cpuBefore === undefined || cpuAfter === undefined
      ? NaN
      : Math.round(((cpuAfter - cpuBefore) * 1000) / relayedCalls);
  say(`Fusebox CPU time per relayed call: ${cpuUs} µs (user + system, from /proc)`);
  return {
    callsPerSecond: PER_SECOND,
    addedP50Ms: open.addedP50Ms,
    addedP99Ms: open.addedP99Ms,
    oneAtATimeAddedP50Ms: one.addedP50Ms,
    oneAtATimeAddedP99Ms: one.addedP99Ms,
    burstConcurrency: CONCURRENCY,
    burstAddedP50Ms: closed.addedP50Ms,
    burstAddedP99Ms: closed.addedP99Ms,
    fuseboxCpuUsPerRelayedCall: cpuUs,
  };
}

/** One result entry: a fresh cloud and Fusebox with every station on `version`. */
async function runVersion(version: OcppVersion, say: (line: string) => void): Promise<unknown> {
  const ids = Array.from({ length: STATIONS }, (_, i) => `P${String(i).padStart(4, '0')}`);
  const rig = await startRig(ids, version, CONCURRENCY, say);
  try {
    const lat = await latency(rig, say);
    const replay = await outageAndReplay(rig, OUTAGE_MIN, CONCURRENCY, say);
    return {
      stations: STATIONS,
      ocppVersion: version,
      ...lat,
      replayMessagesPerSecond: replay.replayMessagesPerSecond,
      lost: replay.lost,
      duplicated: replay.duplicated,
    };
  } finally {
    await rig.close();
  }
}

export async function run(opts: BenchOptions): Promise<unknown[]> {
  const say = (line: string): void => {
    if (!opts.json) console.log(line);
    else console.error(line);
  };
  const versions = (process.env.BENCH_VERSIONS ?? '1.6,2.0.1').split(',').map((v) => v.trim());
  const results: unknown[] = [];
  for (const v of versions) {
    const version = OCPP_VERSIONS.find((x) => x === v);
    if (!version) throw new Error(`BENCH_VERSIONS: '${v}' is not one of ${OCPP_VERSIONS.join(', ')}`);
    results.push(await runVersion(version, say));
  }
  return results;
}
