/**
 * Commands an operator sends to stations, by port or station id, in either OCPP version: remote start and
 * stop, reset, availability, configuration, trigger, unlock, profiles, composite schedule.
 */
import type { ProfilePurpose, RateUnit } from './charging-profile.ts';
import type { OcppContext } from './ocpp-context.ts';
import { protocolOf, recordEvent } from './ocpp-context.ts';
import { NoSessionError, StationOfflineError, UnknownPortError, UnknownStationError } from './ocpp-errors.ts';
import type { PortRuntime } from './port-runtime.ts';
import type { StationConnection } from './station-connection.ts';
import type {
  CommandResult,
  CompositeSchedule,
  ConfigurationEntry,
  ResetKind,
  StationProtocol,
} from './station-protocol.ts';

export class OperatorCommands {
  private remoteStartId = 1;

  constructor(private readonly ctx: OcppContext) {}

  private station(stationId: string): { conn: StationConnection; protocol: StationProtocol } {
    const conn = this.ctx.connections.get(stationId);
    if (!conn?.open) {
      if (!this.ctx.stations.has(stationId) && !conn) throw new UnknownStationError(stationId);
      throw new StationOfflineError(stationId);
    }
    return { conn, protocol: protocolOf(conn.version) };
  }

  private port(portId: string): { rt: PortRuntime; conn: StationConnection; protocol: StationProtocol } {
    const rt = this.ctx.ports.get(portId);
    if (!rt) throw new UnknownPortError(portId);
    return { rt, ...this.station(rt.info.port.stationId) };
  }

  private audit(stationId: string, what: string, result: unknown, portId?: string): void {
    recordEvent(this.ctx, {
      level: 'info',
      kind: 'operator-command',
      stationId,
      portId,
      message: what,
      data: result,
    });
  }

  async remoteStart(portId: string, idTag: string): Promise<CommandResult> {
    const { rt, conn, protocol } = this.port(portId);
    const res = await protocol.remoteStart(conn, rt.info.port.connectorId, idTag, this.remoteStartId++);
    this.audit(conn.stationId, `remote start for ${idTag}: ${res.status}`, res.raw, portId);
    return res;
  }

  async remoteStop(portId: string): Promise<CommandResult> {
    const { rt, conn, protocol } = this.port(portId);
    if (!rt.session) throw new NoSessionError(portId);
    const res = await protocol.remoteStop(conn, rt.session.transactionRef);
    this.audit(
      conn.stationId,
      `remote stop of session ${rt.session.sessionId}: ${res.status}`,
      res.raw,
      portId,
    );
    return res;
  }

  async reset(stationId: string, kind: ResetKind): Promise<CommandResult> {
    const { conn, protocol } = this.station(stationId);
    const res = await protocol.reset(conn, kind);
    this.audit(stationId, `${kind} reset: ${res.status}`, res.raw);
    return res;
  }

  /** A port, or the whole station when `portId` is undefined. */
  async changeAvailability(
    target: { stationId: string; portId?: string },
    operative: boolean,
  ): Promise<CommandResult> {
    const { conn, protocol } = this.station(target.stationId);
    let connectorId = 0;
    if (target.portId !== undefined) {
      const rt = this.ctx.ports.get(target.portId);
      if (!rt || rt.info.port.stationId !== target.stationId) throw new UnknownPortError(target.portId);
      connectorId = rt.info.port.connectorId;
    }
    const res = await protocol.changeAvailability(conn, connectorId, operative);
    this.audit(
      target.stationId,
      `set ${operative ? 'operative' : 'inoperative'}: ${res.status}`,
      res.raw,
      target.portId,
    );
    return res;
  }

  async getConfiguration(
    stationId: string,
    keys?: readonly string[],
  ): Promise<readonly ConfigurationEntry[]> {
    const { conn, protocol } = this.station(stationId);
    return protocol.getConfiguration(conn, keys);
  }

  async setConfiguration(stationId: string, key: string, value: string): Promise<CommandResult> {
    const { conn, protocol } = this.station(stationId);
    const res = await protocol.setConfiguration(conn, key, value);
    this.audit(stationId, `set ${key}=${value}: ${res.status}`, res.raw);
    return res;
  }

  async triggerMessage(stationId: string, message: string, portId?: string): Promise<CommandResult> {
    const { conn, protocol } = this.station(stationId);
    const connectorId = portId !== undefined ? this.ctx.ports.get(portId)?.info.port.connectorId : undefined;
    return protocol.triggerMessage(conn, message, connectorId);
  }

  async unlockConnector(portId: string): Promise<CommandResult> {
    const { rt, conn, protocol } = this.port(portId);
    const res = await protocol.unlockConnector(conn, rt.info.port.connectorId);
    this.audit(conn.stationId, `unlock: ${res.status}`, res.raw, portId);
    return res;
  }

  async clearChargingProfile(portId: string, purpose?: ProfilePurpose): Promise<CommandResult> {
    const { rt, conn, protocol } = this.port(portId);
    const res = await protocol.clearChargingProfile(conn, { connectorId: rt.info.port.connectorId, purpose });
    // A cleared default leaves the station at its own maximum until the next boot sends it again.
    if (purpose !== 'session' && res.status === 'Accepted') rt.setpoints.setDefaultState('rejected');
    this.audit(conn.stationId, `clear ${purpose ?? 'all'} profiles: ${res.status}`, res.raw, portId);
    return res;
  }

  async getCompositeSchedule(
    portId: string,
    durationS: number,
    unit?: RateUnit,
  ): Promise<{ readonly status: string; readonly schedule?: CompositeSchedule | undefined }> {
    const { rt, conn, protocol } = this.port(portId);
    return protocol.getCompositeSchedule(conn, rt.info.port.connectorId, durationS, unit);
  }
}
