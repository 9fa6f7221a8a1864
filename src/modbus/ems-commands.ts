/**
 * EMS commands as pure state: validate writes, and say which commands are in force at a time, with the
 * watchdog: a command not refreshed within watchdogMs reverts to the configured fallback.
 */
import type { EmsServerConfig } from './ems-config-schema.ts';
import type { EmsLayout } from './ems-layout.ts';
import { NO_LIMIT } from './ems-map-spec.ts';
import { EXCEPTION, ModbusException } from './modbus-exception.ts';

/** What the control loop applies (docs/control.md: min(static, schedule, EMS command, ...)). */
export interface EmsCommands {
  /** false: pause every port. */
  readonly enabled: boolean;
  readonly siteLimitA?: number | undefined;
  readonly siteLimitKw?: number | undefined;
  /** Circuit id → per-phase limit in A. */
  readonly circuitLimitA: ReadonlyMap<string, number>;
  /** Some command timed out: its fallback is in force. */
  readonly watchdogExpired: boolean;
}

interface Written {
  readonly raw: number;
  readonly atMs: number;
}

type Key = 'chargingEnabled' | 'siteLimitA' | 'siteLimitKw' | `circuit:${number}`;

/** Command registers and their last writes. */
export class EmsCommandState {
  private readonly written = new Map<Key, Written>();

  constructor(
    private readonly layout: EmsLayout,
    private readonly config: Pick<EmsServerConfig, 'watchdogMs' | 'fallback'>,
  ) {}

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
      if (key === 'keepalive') this.refreshAll(nowMs);
      else if (raw === NO_LIMIT && key !== 'chargingEnabled') this.written.delete(key);
      else this.written.set(key, { raw, atMs: nowMs });
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
    const fresh = (key: Key): Written | undefined => {
      const w = this.written.get(key);
      if (w && nowMs - w.atMs > this.config.watchdogMs) {
        expired = true;
        return undefined;
      }
      return w;
    };
    const fb = this.config.fallback;
    const enabled = fresh('chargingEnabled');
    const siteA = fresh('siteLimitA');
    const siteKw = fresh('siteLimitKw');
    const circuitLimitA = new Map<string, number>();
    this.layout.input.circuits.forEach((c, i) => {
      const w = fresh(`circuit:${i}`);
      if (w) circuitLimitA.set(c.id, w.raw / 10);
    });
    return {
      enabled: enabled ? enabled.raw === 1 : fb.chargingEnabled,
      siteLimitA: siteA ? siteA.raw / 10 : fb.siteLimitA,
      siteLimitKw: siteKw ? siteKw.raw / 10 : fb.siteLimitKw,
      circuitLimitA,
      watchdogExpired: expired,
    };
  }

  /** When the next command still in force at `nowMs` times out, if any. */
  nextExpiryMs(nowMs: number): number | null {
    let next: number | null = null;
    for (const w of this.written.values()) {
      const t = w.atMs + this.config.watchdogMs + 1;
      if (t > nowMs) next = next === null ? t : Math.min(next, t);
    }
    return next;
  }

  private refreshAll(nowMs: number): void {
    for (const [key, w] of this.written) {
      if (nowMs - w.atMs <= this.config.watchdogMs) this.written.set(key, { raw: w.raw, atMs: nowMs });
    }
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
    const max =
      key === 'siteLimitA'
        ? this.layout.input.siteLimitA
        : key === 'siteLimitKw'
          ? (this.layout.input.siteLimitKw ?? 6553.4)
          : this.layout.input.circuits[Number(key.slice(8))]!.limitA;
    if (raw / 10 > max) bad(`(${raw / 10}) is above the configured limit ${max}`);
  }
}
