/**
 * The limit of the cloud's profiles at an instant and the instants it may change (src/proxy/cloud-profiles.ts):
 * which profile leads among those in force, its limit in A per phase for a port, the steps of the schedules
 * (Relative ones from each transaction's start), and the share of a station maximum.
 */
import type { ScheduledProfile } from '../ocpp/charging-profile.ts';
import { periodAt } from '../ocpp/charging-profile.ts';
import type { PortInfo } from '../ocpp/port-directory.ts';
import { wattsToCurrent } from '../ocpp/port-directory.ts';
import type { PortSnapshot } from '../contracts/station-gateway.ts';
import type { Profile } from './cloud-profile-parse.ts';

/** At most this many steps of a station's schedules are looked at within the look-ahead. */
export const LOOKAHEAD_STEPS = 16;

/**
 * The steps of a station's profiles in (fromMs, toMs], soonest first, at most `max`: those of the
 * Relative schedules counted from each of `starts` (its transactions' starts).
 */
export function boundaries(
  starts: readonly number[],
  profiles: readonly Profile[],
  fromMs: number,
  toMs: number,
  max: number,
): number[] {
  const out = new Set<number>();
  for (const p of profiles)
    for (const a of p.alternatives)
      for (const start of a.kind === 'Relative' ? starts : [undefined]) {
        let t = fromMs;
        for (let i = 0; i < max; i++) {
          const next = nextBoundaryMs(a, t, start);
          if (next === undefined || next > toMs) break;
          out.add(next);
          t = next;
        }
      }
  return [...out].sort((x, y) => x - y).slice(0, max);
}

/** The start of each transaction, per station. */
export function transactionStarts(ports: readonly PortSnapshot[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const p of ports) {
    if (p.sessionStartedAtMs === undefined) continue;
    let list = out.get(p.stationId);
    if (!list) out.set(p.stationId, (list = []));
    list.push(p.sessionStartedAtMs);
  }
  return out;
}

/**
 * The first instant after `nowMs` at which the schedule's limit may change (see CloudProfiles.nextChangeMs);
 * a Relative schedule's steps only with the start of its transaction, `transactionStartMs`.
 */
function nextBoundaryMs(p: ScheduledProfile, nowMs: number, transactionStartMs?: number): number | undefined {
  const at: number[] = [];
  if (p.validFromMs !== undefined) at.push(p.validFromMs);
  if (p.validToMs !== undefined) at.push(p.validToMs);
  if (p.kind !== 'Relative' || transactionStartMs !== undefined) {
    const start =
      p.kind === 'Relative' ? transactionStartMs! : (p.startScheduleMs ?? p.validFromMs ?? p.receivedMs);
    const offsetsMs = [
      ...p.periods.map((x) => x.startPeriodS),
      ...(p.durationS !== undefined ? [p.durationS] : []),
    ].map((s) => s * 1000);
    if (p.kind !== 'Recurring') for (const o of offsetsMs) at.push(start + o);
    else {
      const cycleMs = (p.recurrency === 'Weekly' ? 7 : 1) * 86_400_000;
      const cycle = Math.floor((nowMs - start) / cycleMs);
      for (const c of [cycle, cycle + 1]) for (const o of offsetsMs) at.push(start + c * cycleMs + o);
    }
  }
  let next: number | undefined;
  for (const t of at) if (t > nowMs && (next === undefined || t < next)) next = t;
  return next;
}

/** What bestProfile and best look for: among `profiles`, those `matches` accepts in force at `nowMs`. */
export interface ProfileQuery {
  readonly profiles: readonly Profile[];
  readonly nowMs: number;
  /** The session's start, for profiles relative to it; undefined without a session. */
  readonly transactionStartMs: number | undefined;
  readonly matches: (p: Profile) => boolean;
  /** The port's connector: its own profile beats connector 0's at the same stack level. */
  readonly connectorId: number;
}

/** The winning profile of those matching and in force, with its limit in its unit. */
export function bestProfile({
  profiles,
  nowMs,
  transactionStartMs,
  matches,
  connectorId,
}: ProfileQuery): { profile: Profile; limit: number; numberPhases?: number | undefined } | undefined {
  let chosen:
    { profile: Profile; limit: number; numberPhases?: number | undefined; rank: number } | undefined;
  for (const p of profiles) {
    if (!matches(p)) continue;
    const period = periodAt(p, nowMs, transactionStartMs);
    if (!period && !p.alternatives.some((a) => periodAt(a, nowMs, transactionStartMs))) continue;
    // Higher stack level first; at the same level the connector's own profile beats connector 0's.
    const rank = p.stackLevel * 2 + (p.connectorId === connectorId ? 1 : 0);
    if (!chosen || rank > chosen.rank)
      chosen = { profile: p, limit: period?.limit ?? Infinity, numberPhases: period?.numberPhases, rank };
  }
  return chosen;
}

/** As bestProfile, in A per phase for the port. */
export function best(q: ProfileQuery, info: PortInfo): number | undefined {
  const b = bestProfile(q);
  if (!b) return undefined;
  // The lowest of its schedules in force (one but for a 2.0.1 TxProfile with ISO 15118 alternatives).
  let a = Infinity;
  for (const s of b.profile.alternatives) {
    const period = periodAt(s, q.nowMs, q.transactionStartMs);
    if (!period) continue;
    a = Math.min(a, s.unit === 'A' ? period.limit : wattsToCurrent(period.limit, info, info.conductors));
  }
  return a;
}

/** Shares `total` equally, none above its ceiling; what a capped one leaves goes to the others. */
export function waterFill(total: number, ceilings: readonly number[]): number[] {
  const out = ceilings.map(() => 0);
  const order = ceilings.map((c, i) => [c, i] as const).sort((a, b) => a[0] - b[0]);
  let left = Math.max(0, total);
  for (let k = 0; k < order.length; k++) {
    const [ceiling, i] = order[k]!;
    const share = left / (order.length - k);
    out[i] = Math.min(ceiling, share);
    left -= out[i];
  }
  return out;
}
