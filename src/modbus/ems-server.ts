/**
 * The Modbus TCP server for the building EMS (docs/modbus-ems.md): serves the site's live values and takes
 * validated limit commands, with a watchdog. Emits `commands` whenever the commands in force change.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { Clock } from './clock.ts';
import { systemClock } from './clock.ts';
import type { EmsCommands } from '../contracts/ems-commands.ts';
import { EmsCommandState } from './ems-commands.ts';
import type { EmsServerConfig } from './ems-config-schema.ts';
import type { EmsAddress, EmsLayout } from './ems-layout.ts';
import {
  ALARM_BITS,
  EMS_BLOCKS,
  EMS_MAGIC,
  EMS_MAP_VERSION,
  PORT_STATES,
  S32_NOT_AVAILABLE,
  STATUS_BITS,
  U32_NOT_AVAILABLE,
} from './ems-map-spec.ts';
import type { EmsSnapshot, EmsSnapshotProvider } from './ems-snapshot.ts';
import { EXCEPTION, ModbusException } from './modbus-exception.ts';
import type { ModbusTcpServer, ServerReadRequest, ServerWriteRequest } from './tcp-server.ts';
import { startModbusTcpServer } from './tcp-server.ts';

export interface EmsServerOptions {
  readonly config: EmsServerConfig;
  readonly layout: EmsLayout;
  readonly snapshot: EmsSnapshotProvider;
  readonly logger?: Logger | undefined;
  readonly clock?: Clock | undefined;
}

export interface EmsServerEvents {
  commands: [commands: EmsCommands];
}

const HEARTBEAT_MS = 1000;
const bit = (list: readonly (readonly [number, string, string])[], name: string): number =>
  1 << list.find((b) => b[1] === name)![0];
const STATE_CODE = new Map<string, number>(PORT_STATES.map(([code, name]) => [name, code]));

function block(name: string) {
  return EMS_BLOCKS.find((b) => b.name === name)!;
}

/** A 32-bit value as its high and low words; null → the "not available" pattern. */
function words32(value: number | null, scale: number, signed: boolean): [number, number] {
  let raw: number;
  if (value === null || !Number.isFinite(value)) raw = signed ? S32_NOT_AVAILABLE : U32_NOT_AVAILABLE;
  else {
    raw = Math.round(value / scale);
    raw = signed ? Math.max(-0x7fffffff, Math.min(0x7fffffff, raw)) : Math.max(0, Math.min(0xfffffffe, raw));
  }
  const u = raw >>> 0;
  return [u >>> 16, u & 0xffff];
}

export class EmsServer extends EventEmitter<EmsServerEvents> {
  private heartbeat = 0;
  private alive = false;
  private lastCommands = '';
  private heartbeatTimer: unknown = null;
  private watchdogTimer: unknown = null;
  private readonly commandState: EmsCommandState;
  private readonly clock: Clock;
  private server: ModbusTcpServer | null = null;

  private constructor(private readonly options: EmsServerOptions) {
    super();
    this.clock = options.clock ?? systemClock;
    this.commandState = new EmsCommandState(options.layout, options.config);
  }

  /** Binds the configured address and port (port 0: a free one, see `port`). */
  static async start(options: EmsServerOptions): Promise<EmsServer> {
    const ems = new EmsServer(options);
    const { config, logger } = options;
    ems.server = await startModbusTcpServer({
      host: config.host,
      port: config.port,
      allow: config.allow,
      maxConnections: config.maxConnections,
      maxConnectionsPerAddress: config.maxConnectionsPerAddress,
      idleTimeoutMs: config.idleTimeoutMs,
      maxPendingRequests: config.maxPendingRequests,
      logger,
      clock: ems.clock,
      handler: { read: (req) => ems.read(req), write: (req) => ems.write(req) },
    });
    ems.tick();
    ems.lastCommands = JSON.stringify(ems.serialised(ems.commands()));
    logger?.info(
      { host: config.host, port: ems.server.port, version: EMS_MAP_VERSION },
      'EMS Modbus server listening',
    );
    return ems;
  }

  get port(): number {
    return this.server?.port ?? 0;
  }

  /** The commands in force now (fallbacks applied). */
  commands(): EmsCommands {
    return this.commandState.inForce(this.clock.monotonicMs());
  }

  /**
   * What a site with these circuit ids changes in this map: the map keeps the numbering it started with
   * (docs/modbus-ems.md), so added circuits are not in it and removed ones read "not available".
   */
  circuitChanges(circuitIds: readonly string[]): { added: string[]; removed: string[] } {
    const mapped = new Set(this.options.layout.input.circuits.map((c) => c.id));
    const now = new Set(circuitIds);
    return {
      added: circuitIds.filter((id) => !mapped.has(id)),
      removed: [...mapped].filter((id) => !now.has(id)),
    };
  }

  async close(): Promise<void> {
    this.clock.clearTimeout(this.heartbeatTimer);
    this.clock.clearTimeout(this.watchdogTimer);
    await this.server?.close();
  }

  private tick(): void {
    this.alive = this.snapshotOrNull() !== null;
    if (this.alive) this.heartbeat = (this.heartbeat + 1) & 0xffff;
    this.heartbeatTimer = this.clock.setTimeout(() => this.tick(), HEARTBEAT_MS);
  }

  private snapshotOrNull(): EmsSnapshot | null {
    try {
      return this.options.snapshot();
    } catch (err) {
      this.options.logger?.warn({ err }, 'EMS snapshot provider failed');
      return null;
    }
  }

  private unitMatches(unitId: number): boolean {
    return this.options.config.unitId === 0 || unitId === this.options.config.unitId;
  }

  private read(req: ServerReadRequest): number[] {
    if (!this.unitMatches(req.unitId))
      throw new ModbusException(EXCEPTION.gatewayTargetFailed, `unit ${req.unitId}`);
    const snap = this.snapshotOrNull();
    const now = this.clock.monotonicMs();
    const out: number[] = [];
    for (let i = 0; i < req.count; i++) {
      const at = this.options.layout.addresses.get(req.address + i);
      if (!at)
        throw new ModbusException(EXCEPTION.illegalDataAddress, `register ${req.address + i} does not exist`);
      out.push(this.valueAt(at, snap, now));
    }
    return out;
  }

  private write(req: ServerWriteRequest): void {
    if (!this.unitMatches(req.unitId))
      throw new ModbusException(EXCEPTION.gatewayTargetFailed, `unit ${req.unitId}`);
    if (!this.options.config.writes)
      throw new ModbusException(EXCEPTION.illegalFunction, 'writes are disabled');
    this.commandState.write(req.address, req.values, this.clock.monotonicMs());
    this.options.logger?.info(
      { remote: req.remote, address: req.address, values: req.values },
      'EMS command written',
    );
    this.publish();
  }

  /**
   * Emits `commands` if they changed, and arms the watchdog for the next expiry. One reading of the clock for
   * both: a timer may fire while the clock still reads a millisecond short of its expiry (Node's timers run on
   * the event loop's cached time), and a second reading a millisecond later would find no expiry still ahead and
   * arm nothing (the command then stayed in force until the next write).
   */
  private publish(): void {
    const nowMs = this.clock.monotonicMs();
    const commands = this.commandState.inForce(nowMs);
    const text = JSON.stringify(this.serialised(commands));
    if (text !== this.lastCommands) {
      this.lastCommands = text;
      if (commands.watchdogExpired) this.options.logger?.warn('EMS watchdog expired: fallback in force');
      try {
        this.emit('commands', commands);
      } catch (err) {
        // The command is taken; a listener's failure is ours to log, not the EMS's to see.
        this.options.logger?.error({ err }, 'EMS commands listener failed');
      }
    }
    this.clock.clearTimeout(this.watchdogTimer);
    const next = this.commandState.nextExpiryMs(nowMs);
    if (next !== null) this.watchdogTimer = this.clock.setTimeout(() => this.publish(), next - nowMs);
  }

  private serialised(c: EmsCommands): unknown {
    return { ...c, circuitLimitA: [...c.circuitLimitA] };
  }

  private valueAt(at: EmsAddress, snap: EmsSnapshot | null, nowMs: number): number {
    const { register: reg, block: blk, index } = at;
    if (reg.access === 'rw') return this.commandState.readRaw(reg.name, index, nowMs);
    if (reg.type === 'u16') return this.u16(blk.name, reg.name, index, snap, nowMs);
    const value = this.number(blk.name, reg.name, index, snap);
    return words32(value, reg.scale, reg.type === 's32')[at.word];
  }

  private u16(
    blockName: string,
    name: string,
    index: number,
    snap: EmsSnapshot | null,
    nowMs: number,
  ): number {
    const layout = this.options.layout;
    switch (name) {
      case 'magic':
        return EMS_MAGIC;
      case 'mapVersionMajor':
        return EMS_MAP_VERSION.major;
      case 'mapVersionMinor':
        return EMS_MAP_VERSION.minor;
      case 'circuitCount':
        return layout.input.circuits.length;
      case 'portCount':
        return layout.input.ports.length;
      case 'circuitBase':
        return block('circuits').base;
      case 'circuitStride':
        return block('circuits').stride!;
      case 'portBase':
        return block('ports').base;
      case 'portStride':
        return block('ports').stride!;
      case 'layoutHash':
        return layout.hash;
      case 'heartbeat':
        return this.heartbeat;
      case 'status':
        return this.status(snap, nowMs);
      case 'alarms': {
        const a = snap?.alarms ?? {};
        let bits = 0;
        for (const [, key] of ALARM_BITS) if (a[key]) bits |= bit(ALARM_BITS, key);
        return bits;
      }
      case 'activeSessions':
        return Math.min(0xffff, snap?.activeSessions ?? 0);
      case 'pausedSessions':
        return Math.min(0xffff, snap?.pausedSessions ?? 0);
      case 'watchdogS':
        return Math.round(this.options.config.watchdogMs / 1000);
      case 'state': {
        const port = snap?.ports.get(layout.input.ports[index]!.id);
        return STATE_CODE.get(port?.state ?? 'unknown') ?? 0;
      }
      case 'phases':
        return snap?.ports.get(layout.input.ports[index]!.id)?.phases ?? 0;
      default:
        throw new Error(`no u16 value for ${blockName}.${name}`);
    }
  }

  private status(snap: EmsSnapshot | null, nowMs: number): number {
    const c = this.commandState.inForce(nowMs);
    let bits = 0;
    if (snap !== null && this.alive) bits |= bit(STATUS_BITS, 'controllerAlive');
    if (c.enabled) bits |= bit(STATUS_BITS, 'chargingEnabled');
    if (c.siteLimitA !== undefined || c.siteLimitKw !== undefined || c.circuitLimitA.size > 0) {
      bits |= bit(STATUS_BITS, 'emsLimitInForce');
    }
    if (c.watchdogExpired) bits |= bit(STATUS_BITS, 'watchdogExpired');
    if (!this.options.config.writes) bits |= bit(STATUS_BITS, 'writesDisabled');
    return bits;
  }

  private number(blockName: string, name: string, index: number, snap: EmsSnapshot | null): number | null {
    if (!snap) return null;
    const layout = this.options.layout;
    if (blockName === 'site') {
      switch (name) {
        case 'sitePowerKw':
          return snap.sitePowerKw;
        case 'siteCurrentL1A':
          return snap.siteCurrentA[0];
        case 'siteCurrentL2A':
          return snap.siteCurrentA[1];
        case 'siteCurrentL3A':
          return snap.siteCurrentA[2];
        case 'evPowerKw':
          return snap.evPowerKw;
        case 'headroomA':
          return snap.headroomA;
        case 'headroomKw':
          return snap.headroomKw;
      }
    }
    if (blockName === 'circuits') {
      const c = snap.circuits.get(layout.input.circuits[index]!.id);
      if (!c) return null;
      if (name === 'limitA') return c.limitA;
      if (name === 'powerKw') return c.powerKw;
      return c.loadA[name === 'loadL1A' ? 0 : name === 'loadL2A' ? 1 : 2];
    }
    if (blockName === 'ports') {
      const p = snap.ports.get(layout.input.ports[index]!.id);
      if (!p) return null;
      if (name === 'currentA') return p.currentA;
      if (name === 'limitA') return p.limitA;
      if (name === 'powerKw') return p.powerKw;
      return p.sessionEnergyKwh;
    }
    throw new Error(`no value for ${blockName}.${name}`);
  }
}
