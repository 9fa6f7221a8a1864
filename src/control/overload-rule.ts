/**
 * The overload rule of the non-EV estimate (non-ev-estimate.ts evLoadForMeters; docs/control.md, "What a
 * circuit can give EVs"): a circuit metered over the limit its ports were held to proves the estimate short,
 * whatever the ports' bounds say. Here: how fast that raises the estimate, which limit a reading is held to,
 * and the record of each circuit's limits in force the runs keep for it.
 */
import type { CompiledSite } from '../core/compiled-site.ts';
import type { NonEvEstimate } from './non-ev-estimate.ts';

/** A circuit's limits in force from a control run on (core circuitLimit: static, schedule, override, EMS...). */
export interface LimitInForce {
  readonly atMs: number;
  /** Per phase, in A. */
  readonly limitA: number;
  /** Total, in kW; Infinity when none. */
  readonly limitKw: number;
}

/**
 * How fast a circuit metered over its limit raises its non-EV estimate: by its excess over limit − margin
 * (overloadShortfall) every this many ms, i.e. by half of it a second. A reading taken before the cars have
 * followed the decreases already sent still shows an excess they will remove, and meters are read every
 * 250 ms by default: counted per reading, it added up over the readings before the cars followed (half of
 * it at each reading raised the estimate by 580 A within a second in `npm run bench -- soak`, to some 340 A
 * above the real load), and the cars were short until the ports' values came. At this rate, cars that
 * follow within 2 s are not counted twice; slower ones make the estimate too high for a while (the safe
 * side), and it comes down with the ports' values.
 */
export const OVERLOAD_TIME_CONSTANT_MS = 2000;
/** The most of the time since the previous reading the rule counts, in ms: a meter read seldom adds no more. */
export const OVERLOAD_STEP_MAX_MS = 1000;

/**
 * How long after a run lowered a circuit's limit its decreases may take to reach the stations, in ms, on top of
 * the car response time: until then a reading over the lower limit proves nothing (heldTo).
 */
export const LIMIT_FALL_SLACK_MS = 1000;

/**
 * The limits (per phase A, kW) that circuit `c`'s ports were held to for a reading taken at `toMs`: the highest
 * limit in force from `fromMs` (a car response time and LIMIT_FALL_SLACK_MS before it) to `toMs`. After a
 * schedule, override, EMS or demand-cap limit falls, the cars are over it until they follow, and that excess
 * proves nothing; once it has held that long it does. The same after a reload (SIGHUP) lowers the static limit:
 * the record holds the one before, so it is not capped by today's. The static limits where the runs' record
 * does not reach back to `fromMs` (the first seconds, a meter that was stale).
 */
export function heldTo(
  c: CompiledSite['circuits'][number],
  limits: readonly LimitInForce[] | undefined,
  fromMs: number,
  toMs: number,
): { readonly limitA: number; readonly limitKw: number } {
  const staticKw = c.limitKw ?? Infinity;
  let limitA = -Infinity;
  let limitKw = -Infinity;
  let known = false;
  for (const l of limits ?? []) {
    if (l.atMs <= fromMs) {
      // Oldest first: the last of these is the one in force at fromMs.
      known = true;
      limitA = l.limitA;
      limitKw = l.limitKw;
    } else if (l.atMs <= toMs) {
      limitA = Math.max(limitA, l.limitA);
      limitKw = Math.max(limitKw, l.limitKw);
    }
  }
  return known ? { limitA, limitKw } : { limitA: c.limitA, limitKw: staticKw };
}

/**
 * How old a meter reading may be and still find the limits it was taken under (recordLimitsInForce), in ms;
 * an older one is held to the static limits. Readings come every 250 ms to a few seconds.
 */
const READING_AGE_KEPT_MS = 10_000;

/**
 * Notes each estimated circuit's limits in force after a run (`inForce`, core effectiveLimits), for the
 * overload rule of the runs after it (heldTo), in `nonEv` (the run's copy): a new entry only when they
 * changed, and what no reading up to READING_AGE_KEPT_MS old needs is dropped.
 */
export function recordLimitsInForce(
  nonEv: Map<string, NonEvEstimate>,
  inForce: ReadonlyMap<string, { readonly limitA: number; readonly limitKw: number }>,
  nowMs: number,
  carResponseMs: number,
): void {
  const keepMs = READING_AGE_KEPT_MS + carResponseMs + LIMIT_FALL_SLACK_MS;
  for (const [id, est] of nonEv) {
    const l = inForce.get(id);
    if (!l) continue;
    const limits = est.limits ?? [];
    const last = limits.at(-1);
    if (last && last.limitA === l.limitA && last.limitKw === l.limitKw) continue;
    // Keep the last entry at or before the oldest window's start (the one in force then), and all after it.
    let from = 0;
    for (let i = 0; i < limits.length; i++) if (limits[i]!.atMs <= nowMs - keepMs) from = i;
    const kept = limits.slice(from);
    kept.push({ atMs: nowMs, limitA: l.limitA, limitKw: l.limitKw });
    nonEv.set(id, { ...est, limits: kept });
  }
}

/**
 * How far a reading `t` of circuit `c` in dimension `d` (L1, L2, L3 in A; kW) over the limit its ports were
 * held to (`held`, heldTo) proves the non-EV estimate short (0 when it is within it): its excess over limit −
 * margin (kW: over the kW limit). Every limit Fusebox gives the ports below leaves them at most limit − margin
 * − the estimate, so once the cars have followed, a circuit over its limit carries that much more non-EV load
 * than estimated, however wide the ports' bounds are. The bounds alone missed it where they are wide: while
 * hundreds of sessions start, cars not yet seen drawing count anywhere between 0 A and their limit, and a
 * building step hid in that band until the cars' values came; after a step, the ports just lowered count at
 * their old limit until the 5 s car response time has passed, even where the cars follow in 1 s. A car
 * drawing more than its limit makes the rule take its excess for non-EV load: the safe side. Within the
 * margin it does nothing: the margin is there for the noise of the load.
 */
export function overloadShortfall(
  c: CompiledSite['circuits'][number],
  held: { readonly limitA: number; readonly limitKw: number },
  d: number,
  t: number,
): number {
  const limit = d < 3 ? held.limitA : held.limitKw;
  return t > limit ? t - (limit - (d < 3 ? c.marginA : 0)) : 0;
}
