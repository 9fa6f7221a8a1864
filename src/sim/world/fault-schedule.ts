/**
 * Fault injection from a seed (docs/operations.md, "Fault injection"): one generator of fault schedules,
 * used by the simulated-time fault scenarios and the real-stack kill -9 test alike. The same seed gives the
 * same schedule; `FAULT_SEED=n` reruns one seed, `FAULT_SEEDS=n` runs seeds 1..n.
 */
import { createRng } from './profiles.ts';

/** What a meter does while its fault lasts. */
export type MeterFaultMode =
  /** It stops answering: the poller marks it stale after its time-out. */
  | 'silent'
  /** It answers garbage: every value rejected by the decoder (null, listed in `rejected`). */
  | 'garbage'
  /** It answers the same old reading again (frozen value, its old timestamp). */
  | 'frozen';

export type Fault =
  | {
      readonly kind: 'meter';
      readonly atMs: number;
      readonly durationMs: number;
      readonly mode: MeterFaultMode;
    }
  /** Many stations drop at once and come back `downMs` later, rebooted (profiles lost) or not. */
  | {
      readonly kind: 'storm';
      readonly atMs: number;
      readonly downMs: number;
      readonly stationIds: readonly string[];
      readonly reboot: boolean;
    }
  /** A station answers SetChargingProfile only after the call timed out (and applies it then). */
  | { readonly kind: 'late'; readonly atMs: number; readonly durationMs: number; readonly stationId: string }
  /** Fusebox is killed (kill -9) and started again `downMs` later on the same state. */
  | { readonly kind: 'kill'; readonly atMs: number; readonly downMs: number }
  /**
   * The EMS lowers the site limit to `limitA`, then stops writing: after `watchdogMs` its watchdog expires
   * and the fallback `fallbackA` is in force.
   */
  | {
      readonly kind: 'ems';
      readonly atMs: number;
      readonly limitA: number;
      readonly watchdogMs: number;
      readonly fallbackA: number;
    }
  /**
   * A wall clock steps by `stepMs` (an NTP step; negative: backwards) while monotonic time goes on: Fusebox's
   * (`target` 'fusebox') or a station's (its id). With `correctAfterMs` it steps back that much later (a
   * wrong RTC at boot corrected by NTP).
   */
  | {
      readonly kind: 'clock';
      readonly atMs: number;
      readonly target: string;
      readonly stepMs: number;
      readonly correctAfterMs: number | null;
    };

/** The wall-clock steps drawn for clock faults: ±1 min, ±1 h, +1 day. */
export const CLOCK_STEPS_MS = [60_000, -60_000, 3_600_000, -3_600_000, 86_400_000] as const;

export interface FaultScheduleOptions {
  /** Faults start in [startMs, startMs + durationMs). */
  readonly startMs: number;
  readonly durationMs: number;
  readonly stationIds: readonly string[];
  /** The site limit per phase in A (EMS limits are drawn below it). */
  readonly siteLimitA: number;
  /** How many faults (default 8). */
  readonly count?: number | undefined;
  /**
   * How many clock jumps on top (default 2). They are drawn from a second stream of the seed, so the other
   * faults of a seed are the same as before clock jumps existed.
   */
  readonly clockJumps?: number | undefined;
}

/** A schedule of faults in time order, the same for the same seed and options. */
export function faultSchedule(seed: number, o: FaultScheduleOptions): Fault[] {
  const rng = createRng(seed);
  const faults: Fault[] = [];
  const at = (): number => o.startMs + rng.int(0, o.durationMs - 1);
  const count = o.count ?? 8;
  for (let i = 0; i < count; i++) {
    const kind = rng.pick(['meter', 'meter', 'storm', 'late', 'kill', 'ems'] as const);
    if (kind === 'meter') {
      faults.push({
        kind,
        atMs: at(),
        durationMs: rng.int(2_000, 120_000),
        mode: rng.pick(['silent', 'garbage', 'frozen'] as const),
      });
    } else if (kind === 'storm') {
      const ids = o.stationIds.filter(() => rng.chance(0.7));
      faults.push({
        kind,
        atMs: at(),
        downMs: rng.int(100, 60_000),
        stationIds: ids.length ? ids : [rng.pick(o.stationIds)],
        reboot: rng.chance(0.5),
      });
    } else if (kind === 'late') {
      faults.push({
        kind,
        atMs: at(),
        durationMs: rng.int(10_000, 180_000),
        stationId: rng.pick(o.stationIds),
      });
    } else if (kind === 'kill') {
      faults.push({ kind, atMs: at(), downMs: rng.int(1_000, 400_000) });
    } else {
      faults.push({
        kind,
        atMs: at(),
        limitA: rng.int(Math.round(o.siteLimitA * 0.3), o.siteLimitA),
        watchdogMs: rng.int(5_000, 120_000),
        fallbackA: rng.int(Math.round(o.siteLimitA * 0.2), o.siteLimitA),
      });
    }
  }
  const clockRng = createRng(seed ^ 0x636c6f63);
  for (let i = 0; i < (o.clockJumps ?? 2); i++) {
    faults.push({
      kind: 'clock',
      atMs: o.startMs + clockRng.int(0, o.durationMs - 1),
      target: clockRng.chance(0.5) ? 'fusebox' : clockRng.pick(o.stationIds),
      stepMs: clockRng.pick(CLOCK_STEPS_MS),
      correctAfterMs: clockRng.chance(0.5) ? clockRng.int(10_000, 600_000) : null,
    });
  }
  return faults.sort((a, b) => a.atMs - b.atMs);
}

/**
 * The seeds to run: `FAULT_SEED=n` that one, `FAULT_SEEDS=n` seeds 1..n, else `defaults` (the short run in
 * `npm test`). Throws on a value that is not a non-negative integer, naming the variable.
 */
export function faultSeeds(defaults: readonly number[], env: NodeJS.ProcessEnv = process.env): number[] {
  const int = (name: string): number | undefined => {
    const v = env[name];
    if (v === undefined || v === '') return undefined;
    if (!/^\d+$/.test(v)) throw new Error(`${name}=${v}: expected a non-negative integer`);
    return Number(v);
  };
  const one = int('FAULT_SEED');
  if (one !== undefined) return [one];
  const n = int('FAULT_SEEDS');
  if (n !== undefined) return Array.from({ length: n }, (_, i) => i + 1);
  return [...defaults];
}

/** Where a kill -9 of the real process falls: after this many acknowledged messages, plus a delay. */
export interface KillPoint {
  readonly afterAcks: number;
  /** Further wait before the kill, in ms: the kill lands between or inside messages. */
  readonly extraMs: number;
}

/** `rounds` kill points for the real-stack crash test, the same for the same seed. */
export function killPoints(seed: number, rounds: number): KillPoint[] {
  const rng = createRng(seed ^ 0x6b696c6c);
  return Array.from({ length: rounds }, () => ({ afterAcks: rng.int(5, 120), extraMs: rng.int(0, 30) }));
}
