/**
 * The MQTT command topics (docs/integrations.md): lower-only limits per circuit and per port. They share the
 * EMS command model (`EmsCommands`) and its watchdog rule (`CommandWatchdog`) with the Modbus EMS map: a
 * command not published again within the watchdog time reverts to no limit.
 */
import type { EmsCommands } from '../contracts/ems-commands.ts';
import { CommandWatchdog } from '../modbus/index.ts';

/** A command refused: the message says what and why; nothing changed. */
export class MqttCommandError extends Error {}

export type CommandTarget = 'circuit' | 'port';

/** What commands may address: circuit id → its configured limit in A; port id → its maximum in A. */
export interface CommandTargets {
  readonly circuits: ReadonlyMap<string, number>;
  readonly ports: ReadonlyMap<string, number>;
}

/** Payloads are short; a longer one is refused before it is parsed. */
const MAX_PAYLOAD = 200;
const NUMBER = /^[0-9]+(\.[0-9]+)?$/;

/**
 * A limit payload: a number of A as text (`16`, `7.5`) or JSON `{"limitA": 16}`; empty, `none`, `null` or
 * `{"limitA": null}` lifts the command. Rounded to 0.1 A, the resolution of the Modbus EMS map.
 */
export function parseLimitPayload(payload: string): number | null {
  const text = payload.trim();
  if (text.length > MAX_PAYLOAD)
    throw new MqttCommandError(`the payload is not a number of A (${text.length} characters)`);
  if (text === '' || text === 'none' || text === 'null') return null;
  let value: unknown = text;
  if (text.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new MqttCommandError(`the payload is not a number of A nor valid JSON: ${JSON.stringify(text)}`);
    }
    const obj = parsed as Record<string, unknown>;
    const unknown = Object.keys(obj).find((k) => k !== 'limitA');
    if (unknown !== undefined)
      throw new MqttCommandError(`unknown key '${unknown}' in the payload: send {"limitA": <A>}`);
    if (obj.limitA === null) return null;
    // In JSON the limit is a number, not a text.
    value = typeof obj.limitA === 'number' ? obj.limitA : NaN;
  }
  const a =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && NUMBER.test(value.replace(/^-/, ''))
        ? Number(value)
        : NaN;
  if (!Number.isFinite(a))
    throw new MqttCommandError(`the payload is not a number of A: ${JSON.stringify(text)}`);
  if (a < 0) throw new MqttCommandError(`a limit cannot be negative: ${a} A`);
  return Math.round(a * 10) / 10;
}

type Key = `${CommandTarget}:${string}`;

/** The commands written on the MQTT command topics, as the control loop's EmsCommands. */
export class MqttCommandState {
  private readonly watchdog: CommandWatchdog<Key>;

  constructor(
    watchdogMs: number,
    private readonly targets: () => CommandTargets,
  ) {
    this.watchdog = new CommandWatchdog<Key>(watchdogMs);
  }

  /** Checks and applies one command; throws MqttCommandError (nothing changed) when it is refused. */
  write(target: CommandTarget, id: string, payload: string, nowMs: number): void {
    const t = this.targets();
    const max = target === 'circuit' ? t.circuits.get(id) : t.ports.get(id);
    if (max === undefined) throw new MqttCommandError(`unknown ${target} '${id}'`);
    const limitA = parseLimitPayload(payload);
    const key: Key = `${target}:${id}`;
    if (limitA === null) {
      this.watchdog.clear(key);
      return;
    }
    if (limitA > max) {
      const what =
        target === 'circuit' ? `the configured limit of circuit '${id}'` : `the maximum of port '${id}'`;
      throw new MqttCommandError(`${limitA} A is above ${what} (${max} A): commands can only lower limits`);
    }
    this.watchdog.set(key, limitA, nowMs);
  }

  /** Every command still in force starts its watchdog time again. */
  keepalive(nowMs: number): void {
    this.watchdog.refreshAll(nowMs);
  }

  /** The commands in force at `nowMs` (charging is never disabled from MQTT). */
  inForce(nowMs: number): EmsCommands {
    let expired = false;
    const onExpired = (): void => {
      expired = true;
    };
    const t = this.targets();
    const circuitLimitA = new Map<string, number>();
    for (const id of t.circuits.keys()) {
      const a = this.watchdog.fresh(`circuit:${id}`, nowMs, onExpired);
      if (a !== undefined) circuitLimitA.set(id, a);
    }
    const portLimitA = new Map<string, number>();
    for (const id of t.ports.keys()) {
      const a = this.watchdog.fresh(`port:${id}`, nowMs, onExpired);
      if (a !== undefined) portLimitA.set(id, a);
    }
    return { enabled: true, circuitLimitA, portLimitA, watchdogExpired: expired };
  }

  /** When the next command in force times out, if any. */
  nextExpiryMs(nowMs: number): number | null {
    return this.watchdog.nextExpiryMs(nowMs);
  }
}
