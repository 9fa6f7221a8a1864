/**
 * The cloud's CALLs for a relayed station (docs/proxy.md): charging profiles go to Fusebox's caps
 * (CloudProfileSink), composite schedules are answered from the limit Fusebox has in force, everything
 * else goes down to the station and its answer back.
 */
import type { OcppServer } from '../ocpp/ocpp-server.ts';
import type { RpcInboundCall } from '../ocpp/rpc.ts';
import { rpcError } from '../ocpp/rpc.ts';
import type { CloudProfileSink, CloudProfileVersion } from './cloud-profiles.ts';
import type { Relay } from './relay.ts';

export interface CloudCommandsDeps {
  readonly server: () => OcppServer | undefined;
  readonly sink: () => CloudProfileSink;
  readonly now: () => number;
}

/** A CALL from the cloud for the station. */
export async function fromCloud(d: CloudCommandsDeps, r: Relay, call: RpcInboundCall): Promise<unknown> {
  const server = d.server();
  const version: CloudProfileVersion = r.version === '1.6' ? '1.6' : '2.0.1';
  switch (call.method) {
    case 'SetChargingProfile':
      return { status: d.sink().set(r.stationId, version, call.params) };
    case 'ClearChargingProfile':
      return { status: d.sink().clear(r.stationId, version, call.params) };
    case 'GetCompositeSchedule':
      return server ? compositeSchedule(d, server, r, call.params) : { status: 'Rejected' };
  }
  const link = server?.link(r.stationId);
  if (!link) throw rpcError('GenericError', `station ${r.stationId} is not connected to Fusebox`);
  const answer = await link.call(call.method, call.params);
  r.lastRelayMs = d.now();
  return answer;
}

/** The limit Fusebox has in force on the connector (0: the station's ports together), as one period. */
function compositeSchedule(d: CloudCommandsDeps, server: OcppServer, r: Relay, params: unknown): unknown {
  const p = params as { connectorId?: number; evseId?: number; duration?: number };
  const at = r.version === '1.6' ? (p.connectorId ?? 0) : (p.evseId ?? 0);
  const ports = server
    .ports()
    .filter((x) => x.stationId === r.stationId && (at === 0 || x.connectorId === at));
  if (ports.length === 0) return { status: 'Rejected' };
  const limit = ports.reduce((sum, x) => sum + server.effectiveLimitA(x.portId), 0);
  const schedule = {
    duration: p.duration ?? 0,
    chargingRateUnit: 'A',
    chargingSchedulePeriod: [{ startPeriod: 0, limit }],
  };
  const start = new Date(d.now()).toISOString();
  return r.version === '1.6'
    ? { status: 'Accepted', connectorId: at, scheduleStart: start, chargingSchedule: schedule }
    : { status: 'Accepted', schedule: { evseId: at, scheduleStart: start, ...schedule } };
}
