/** How a simulated station answers what the CSMS asks of it (OCPP 1.6 §5, 2.0.1 Part 2). */
import type { RpcClient, RpcInboundCall } from '../../ocpp/rpc.ts';
import { NO_REPLY, rpcError } from '../../ocpp/rpc.ts';
import type { SimulatedStation } from './ocpp-station.ts';
import { profileFrom16, profileFrom2 } from './ocpp-station-messages.ts';
import type { SimProfilePurpose } from './ocpp-station-profiles.ts';

type Handler = (payload: never) => unknown;

/** Do something right after the answer went out (a triggered message, a remote start). */
const after = (st: SimulatedStation, fn: () => Promise<unknown>): void => {
  setImmediate(() => {
    fn().catch((err: unknown) => st.emit('error', err));
  });
};

function v16(st: SimulatedStation): Record<string, Handler> {
  return {
    SetChargingProfile: (p: { connectorId: number }) =>
      setChargingProfile(st, () => profileFrom16(p, st.now())),
    ClearChargingProfile: (p: {
      id?: number;
      connectorId?: number;
      chargingProfilePurpose?: SimProfilePurpose;
      stackLevel?: number;
    }) => ({
      status: st.profiles.clear({
        id: p.id,
        connectorId: p.connectorId,
        purpose: p.chargingProfilePurpose,
        stackLevel: p.stackLevel,
      }),
    }),
    GetCompositeSchedule: (p: { connectorId: number; duration: number }) => ({
      status: 'Accepted',
      connectorId: p.connectorId,
      scheduleStart: new Date(st.now()).toISOString(),
      chargingSchedule: {
        duration: p.duration,
        chargingRateUnit: 'A',
        chargingSchedulePeriod: [{ startPeriod: 0, limit: st.currentLimitA(p.connectorId) }],
      },
    }),
    GetConfiguration: (p: { key?: string[] }) => {
      const keys = p.key?.length ? p.key : [...st.config.keys()];
      return {
        configurationKey: keys
          .filter((k) => st.config.has(k))
          .map((key) => ({ key, readonly: false, value: st.config.get(key) })),
        unknownKey: keys.filter((k) => !st.config.has(k)),
      };
    },
    ChangeConfiguration: (p: { key: string; value: string }) => {
      st.config.set(p.key, p.value);
      return { status: 'Accepted' };
    },
    RemoteStartTransaction: (p: { connectorId?: number; idTag: string }) => {
      const port =
        p.connectorId !== undefined
          ? st.ports.get(p.connectorId)
          : [...st.ports.values()].find((x) => x.car && !x.tx);
      if (!port?.car || port.tx) return { status: 'Rejected' };
      after(st, () => st.start(port.connectorId, p.idTag));
      return { status: 'Accepted' };
    },
    RemoteStopTransaction: (p: { transactionId: number }) => {
      const port = [...st.ports.values()].find((x) => x.tx?.id === String(p.transactionId));
      if (!port) return { status: 'Rejected' };
      after(st, () => st.stop(port.connectorId, 'Remote'));
      return { status: 'Accepted' };
    },
    Reset: () => ({ status: 'Accepted' }),
    ChangeAvailability: (p: { connectorId: number; type: 'Operative' | 'Inoperative' }) => {
      const targets =
        p.connectorId === 0
          ? [...st.ports.values()]
          : [st.ports.get(p.connectorId)].filter((x) => x !== undefined);
      if (!targets.length) return { status: 'Rejected' };
      for (const port of targets) port.operative = p.type === 'Operative';
      after(st, () => Promise.all(targets.map((port) => st.sendStatus(port.connectorId))));
      return { status: 'Accepted' };
    },
    TriggerMessage: (p: { requestedMessage: string; connectorId?: number }) =>
      trigger(st, p.requestedMessage, p.connectorId),
    UnlockConnector: () => ({ status: 'Unlocked' }),
    DataTransfer: () => ({ status: 'UnknownVendorId' }),
    ...localListHandlers(st, 'listVersion', (e: { idTag: string }) => e.idTag),
  };
}

/**
 * GetLocalListVersion and SendLocalList (1.6 §5.10 / §5.15, 2.0.1 D01 / D02) of a station with a local list;
 * none (NotImplemented) without one.
 */
function localListHandlers<E>(
  st: SimulatedStation,
  versionField: 'listVersion' | 'versionNumber',
  keyOf: (entry: E) => string,
): Record<string, Handler> {
  const list = st.localList;
  if (!list) return {};
  return {
    GetLocalListVersion: () => ({ [versionField]: list.version }),
    SendLocalList: (p: Record<string, unknown>) => {
      const entries = (p.localAuthorizationList ?? []) as E[];
      if (p.updateType === 'Full') list.entries.clear();
      else if ((p[versionField] as number) <= list.version) return { status: 'VersionMismatch' };
      for (const e of entries) list.entries.set(keyOf(e), e);
      list.version = p[versionField] as number;
      return { status: 'Accepted' };
    },
  };
}

function v2(st: SimulatedStation): Record<string, Handler> {
  interface CV {
    component: { name: string; instance?: string };
    variable: { name: string; instance?: string };
  }
  const key = (cv: CV): string => `${cv.component.name}.${cv.variable.name}`;
  return {
    SetChargingProfile: (p: { evseId: number }) => setChargingProfile(st, () => profileFrom2(p, st.now())),
    ClearChargingProfile: (p: {
      chargingProfileId?: number;
      chargingProfileCriteria?: {
        evseId?: number;
        chargingProfilePurpose?: SimProfilePurpose;
        stackLevel?: number;
      };
    }) => ({
      status: st.profiles.clear({
        id: p.chargingProfileId,
        connectorId: p.chargingProfileCriteria?.evseId,
        purpose: p.chargingProfileCriteria?.chargingProfilePurpose,
        stackLevel: p.chargingProfileCriteria?.stackLevel,
      }),
    }),
    GetCompositeSchedule: (p: { evseId: number; duration: number }) => ({
      status: 'Accepted',
      schedule: {
        evseId: p.evseId,
        duration: p.duration,
        scheduleStart: new Date(st.now()).toISOString(),
        chargingRateUnit: 'A',
        chargingSchedulePeriod: [{ startPeriod: 0, limit: st.currentLimitA(p.evseId) }],
      },
    }),
    GetVariables: (p: { getVariableData: CV[] }) => ({
      getVariableResult: p.getVariableData.map((cv) => ({
        attributeStatus: st.config.has(key(cv)) ? 'Accepted' : 'UnknownVariable',
        component: cv.component,
        variable: cv.variable,
        ...(st.config.has(key(cv)) ? { attributeValue: st.config.get(key(cv)) } : {}),
      })),
    }),
    SetVariables: (p: { setVariableData: (CV & { attributeValue: string })[] }) => ({
      setVariableResult: p.setVariableData.map((cv) => {
        st.config.set(key(cv), cv.attributeValue);
        return { attributeStatus: 'Accepted', component: cv.component, variable: cv.variable };
      }),
    }),
    RequestStartTransaction: (p: { evseId?: number; idToken: { idToken: string } }) => {
      const port =
        p.evseId !== undefined ? st.ports.get(p.evseId) : [...st.ports.values()].find((x) => x.car && !x.tx);
      if (!port?.car || port.tx) return { status: 'Rejected' };
      after(st, () => st.start(port.connectorId, p.idToken.idToken));
      return { status: 'Accepted' };
    },
    RequestStopTransaction: (p: { transactionId: string }) => {
      const port = [...st.ports.values()].find((x) => x.tx?.id === p.transactionId);
      if (!port) return { status: 'Rejected' };
      after(st, () => st.stop(port.connectorId, 'Remote'));
      return { status: 'Accepted' };
    },
    Reset: () => ({ status: 'Accepted' }),
    ChangeAvailability: (p: { operationalStatus: 'Operative' | 'Inoperative'; evse?: { id: number } }) => {
      const targets = p.evse
        ? [st.ports.get(p.evse.id)].filter((x) => x !== undefined)
        : [...st.ports.values()];
      if (!targets.length) return { status: 'Rejected' };
      for (const port of targets) port.operative = p.operationalStatus === 'Operative';
      after(st, () => Promise.all(targets.map((port) => st.sendStatus(port.connectorId))));
      return { status: 'Accepted' };
    },
    TriggerMessage: (p: { requestedMessage: string; evse?: { id: number } }) =>
      trigger(st, p.requestedMessage, p.evse?.id),
    UnlockConnector: () => ({ status: 'Unlocked' }),
    DataTransfer: () => ({ status: 'UnknownVendorId' }),
    ...localListHandlers(st, 'versionNumber', (e: { idToken: { idToken: string } }) => e.idToken.idToken),
  };
}

/**
 * SetChargingProfile in either version: refused as the station is set to, 'Rejected' in a unit it does not
 * take, else stored for its port's transaction. `parse` reads the payload once it is not refused.
 */
function setChargingProfile(
  st: SimulatedStation,
  parse: () => ReturnType<typeof profileFrom16>,
): { status: string } | typeof NO_REPLY {
  const refused = refuseProfile(st);
  if (refused !== undefined) return refused;
  const profile = parse();
  if (!st.takesUnit(profile.unit)) return { status: 'Rejected' };
  const tx = profile.connectorId > 0 ? st.ports.get(profile.connectorId)?.tx?.id : undefined;
  return { status: st.profiles.set(profile, tx) };
}

/** The answer of a station that refuses profiles (SimProfileRefusal), or undefined when it applies them. */
function refuseProfile(st: SimulatedStation): { status: string } | typeof NO_REPLY | undefined {
  if (st.answering === 'reject-profiles' || st.refuseProfiles === 'Rejected') return { status: 'Rejected' };
  if (st.refuseProfiles === 'NotImplemented') throw rpcError('NotImplemented', 'SetChargingProfile');
  if (st.refuseProfiles === 'no-answer') return NO_REPLY;
  return undefined;
}

function trigger(st: SimulatedStation, message: string, connectorId: number | undefined): { status: string } {
  // A station without RemoteTrigger (a CALLERROR), or one that will not send it now.
  if (st.answeringTrigger === 'CALLERROR') throw rpcError('NotImplemented', 'TriggerMessage');
  if (st.answeringTrigger !== 'Accepted') return { status: st.answeringTrigger };
  const run: Record<string, () => Promise<unknown>> = {
    BootNotification: () => st.boot(),
    Heartbeat: () => st.heartbeat(),
    MeterValues: () => st.sendMeterValues(connectorId, 'Trigger'),
    TransactionEvent: () => st.sendMeterValues(connectorId, 'Trigger'),
    StatusNotification: () =>
      Promise.all(
        [...st.ports.keys()]
          .filter((c) => connectorId === undefined || c === connectorId)
          .map((c) => st.sendStatus(c)),
      ),
  };
  const fn = run[message];
  if (!fn) return { status: 'NotImplemented' };
  after(st, fn);
  return { status: 'Accepted' };
}

/** Register the station's answers on its client; `answering = 'never'` makes every call hang unanswered. */
export function installStationHandlers(st: SimulatedStation, client: RpcClient): void {
  const table = st.version === '1.6' ? v16(st) : v2(st);
  for (const [action, handler] of Object.entries(table)) {
    client.handle(action, (call: RpcInboundCall) => {
      st.noteReceived(action, call.params);
      if (st.answering === 'never') return NO_REPLY;
      return handler(call.params as never);
    });
  }
}
