/**
 * EMS commands as pure state: validate writes, and say which commands are in force at a time, with the
 * watchdog: a command not refreshed within watchdogMs reverts to the configured fallback. The command model
 * (`EmsCommands`, contracts/ems-commands.ts) and the watchdog (`CommandWatchdog`) are shared by every
 * command source: the Modbus EMS map here, and the MQTT command topics (src/mqtt).
 */
import type { EmsCommands } from '../contracts/ems-commands.ts';
import type { EmsServerConfig } from './ems-config-schema.ts';
import type { EmsLayout } from './ems-layout.ts';
import { NO_LIMIT } from './ems-map-spec.ts';
import { EXCEPTION, ModbusException } from './modbus-exception.ts';

/** gridState register values (65535, NO_LIMIT, = not set). */
const GRID_ON = 0;
const GRID_ISLANDED = 1;

/**
 * Commands from two sources in force together: the lower of each limit, paused if either pauses, and the
 * watchdog flag if either timed out. Null stands for a source that has no commands.
 */
export function combineEmsCommands(a: EmsCommands | null, b: EmsCommands | null): EmsCommands | null {
  if (a === null) return b;
  if (b === null) return a;
  const lower = (x: number | undefined, y: number | undefined): number | undefined =>
    x === undefined ? y : y === undefined ? x : Math.min(x, y);
  const lowerMaps = (
    x: ReadonlyMap<string, number> | undefined,
    y: ReadonlyMap<string, number> | undefined,
  ): Map<string, number> => {
    const out = new Map(x);
    for (const [id, v] of y ?? []) out.set(id, lower(out.get(id), v)!);
    return out;
  };
  return {
    enabled: a.enabled && b.enabled,
    siteLimitA: lower(a.siteLimitA, b.siteLimitA),
    siteLimitKw: lower(a.siteLimitKw, b.siteLimitKw),
    circuitLimitA: lowerMaps(a.circuitLimitA, b.circuitLimitA),
    portLimitA: lowerMaps(a.portLimitA, b.portLimitA),
    gridState: combineGridState(a.gridState, b.gridState),
    watchdogExpired: a.watchdogExpired || b.watchdogExpired,
  };
}

/** Islanded if either says so; unknown if either does not know; on the grid if one says so. */
function combineGridState(
  a: EmsCommands['gridState'],
  b: EmsCommands['gridState'],
): EmsCommands['gridState'] {
  for (const state of ['islanded', 'unknown', 'grid'] as const) if (a === state || b === state) return state;
  return undefined;
}

interface Written {
  readonly raw: number;
  readonly atMs: number;
}

/**
 * The watchdog rule of every command source: a command is in force until `watchdogMs` after it was last
 * written; a value older than that has timed out (and says so) until it is written again or cleared. Its
 * times are a monotonic clock's (Clock.monotonicMs): on the wall clock, a step back (NTP correcting a wrong
 * real-time clock) kept a command in force for as much longer as the step.
 */
export class CommandWatchdog<K> {
  private readonly written = new Map<K, Written>();

  constructor(private readonly watchdogMs: number) {}

  set(key: K, raw: number, nowMs: number): void {
    this.written.set(key, { raw, atMs: nowMs });
  }

  clear(key: K): void {
    this.written.delete(key);
  }

  /** The value in force at `nowMs`, or undefined; `onExpired` is called for a value that timed out. */
  fresh(key: K, nowMs: number, onExpired: () => void): number | undefined {
    const w = this.written.get(key);
    if (w && nowMs - w.atMs > this.watchdogMs) {
      onExpired();
      return undefined;
    }
    return w?.raw;
  }

  /** When the next value still in force at `nowMs` times out, if any. */
  nextExpiryMs(nowMs: number): number | null {
    let next: number | null = null;
    for (const w of this.written.values()) {
      const t = w.atMs + this.watchdogMs + 1;
      if (t > nowMs) next = next === null ? t : Math.min(next, t);
    }
    return next;
  }

  /** Every value still in force starts its watchdog time again (a keepalive). */
  refreshAll(nowMs: number): void {
    for (const [key, w] of this.written) {
      if (nowMs - w.atMs <= this.watchdogMs) this.written.set(key, { raw: w.raw, atMs: nowMs });
    }
  }
}

type Key = 'chargingEnabled' | 'siteLimitA' | 'siteLimitKw' | 'gridState' | `circuit:${number}`;

/** Command registers and their last writes. */
export class EmsCommandState {
  private readonly written: CommandWatchdog<Key>;

  constructor(
    private readonly layout: EmsLayout,
    private readonly config: Pick<EmsServerConfig, 'watchdogMs' | 'fallback'>,
  ) {
    this.written = new CommandWatchdog<Key>(config.watchdogMs);
  }

  /** Validates and applies a write of consecutive registers, all or nothing. */
  write(address: number, values: readonly number[], nowMs: number): void {
    const plan: [Key | 'keepalive', number][] = [];
    values.forEach((raw, i) => {
      const at = this.layout.addresses.get(address + i);
      if (!at)
        throw new ModbusException(EXCEPTION.illegalDataAddress, `register ${address + i} does not exist`);
      if (at.register.access !== 'rw') {
        throw new ModbusException(
          EXCEPTION.illegalDataAddress,
          `register ${address + i} (${at.register.name}) is read-only`,
        );
      }
      const name = at.register.name;
      const key: Key | 'keepalive' =
        name === 'circuitLimitA' ? `circuit:${at.index}` : (name as Key | 'keepalive');
      this.check(key, raw, address + i);
      plan.push([key, raw]);
    });
    for (const [key, raw] of plan) {
      if (key === 'keepalive') this.written.refreshAll(nowMs);
      else if (raw === NO_LIMIT && key !== 'chargingEnabled') this.written.clear(key);
      else this.written.set(key, raw, nowMs);
    }
  }

  /** The raw value a command register reads: the value in force (fallback applied). */
  readRaw(name: string, index: number, nowMs: number): number {
    const c = this.inForce(nowMs);
    switch (name) {
      case 'chargingEnabled':
        return c.enabled ? 1 : 0;
      case 'keepalive':
        return 0;
      case 'siteLimitA':
        return c.siteLimitA === undefined ? NO_LIMIT : Math.round(c.siteLimitA * 10);
      case 'siteLimitKw':
        return c.siteLimitKw === undefined ? NO_LIMIT : Math.round(c.siteLimitKw * 10);
      case 'gridState':
        return c.gridState === 'grid' ? GRID_ON : c.gridState === 'islanded' ? GRID_ISLANDED : NO_LIMIT;
      case 'circuitLimitA': {
        const v = c.circuitLimitA.get(this.layout.input.circuits[index]!.id);
        return v === undefined ? NO_LIMIT : Math.round(v * 10);
      }
      default:
        return 0;
    }
  }

  /** The commands in force at `nowMs`. */
  inForce(nowMs: number): EmsCommands {
    let expired = false;
    const fresh = (key: Key): number | undefined =>
      this.written.fresh(key, nowMs, () => {
        expired = true;
      });
    const fb = this.config.fallback;
    const enabled = fresh('chargingEnabled');
    const siteA = fresh('siteLimitA');
    const siteKw = fresh('siteLimitKw');
    let gridExpired = false;
    const grid = this.written.fresh('gridState', nowMs, () => {
      gridExpired = expired = true;
    });
    const gridState =
      grid === GRID_ON ? 'grid' : grid === GRID_ISLANDED ? 'islanded' : gridExpired ? 'unknown' : undefined;
    const circuitLimitA = new Map<string, number>();
    this.layout.input.circuits.forEach((c, i) => {
      const raw = fresh(`circuit:${i}`);
      if (raw !== undefined) circuitLimitA.set(c.id, raw / 10);
    });
    return {
      enabled: enabled !== undefined ? enabled === 1 : fb.chargingEnabled,
      siteLimitA: siteA !== undefined ? siteA / 10 : fb.siteLimitA,
      siteLimitKw: siteKw !== undefined ? siteKw / 10 : fb.siteLimitKw,
      circuitLimitA,
      ...(gridState !== undefined ? { gridState } : {}),
      watchdogExpired: expired,
    };
  }

  /** When the next command still in force at `nowMs` times out, if any. */
  nextExpiryMs(nowMs: number): number | null {
    return this.written.nextExpiryMs(nowMs);
  }

  private check(key: Key | 'keepalive', raw: number, address: number): void {
    const bad = (why: string): never => {
      throw new ModbusException(EXCEPTION.illegalDataValue, `register ${address}: ${raw} ${why}`);
    };
    if (key === 'keepalive') return;
    if (key === 'chargingEnabled') {
      if (raw !== 0 && raw !== 1) bad('is not 0 or 1');
      return;
    }
    if (raw === NO_LIMIT) return;
    if (key === 'gridState') {
      if (raw !== GRID_ON && raw !== GRID_ISLANDED) bad('is not 0 (on the grid), 1 (islanded) or 65535');
      return;
    }
    const max =
      key === 'siteLimitA'
        ? this.layout.input.siteLimitA
        : key === 'siteLimitKw'
          ? (this.layout.input.siteLimitKw ?? 6553.4)
          : this.layout.input.circuits[Number(key.slice(8))]!.limitA;
    if (raw / 10 > max) bad(`(${raw / 10}) is above the configured limit ${max}`);
  }
}
