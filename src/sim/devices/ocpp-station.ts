/**
 * A simulated OCPP charging station (1.6J, 2.0.1 or 2.1) over a real WebSocket: it boots, reports status,
 * authorizes, runs transactions, meters energy from what its cars draw, and applies the charging profiles
 * it receives. Tests, the demo and benchmarks drive it; the control-loop issue plugs EV models into it.
 *
 *   const st = new SimulatedStation({ url: server.url, stationId: 'CP1', version: '1.6' });
 *   await st.connect();
 *   await st.plugIn(1, { maxCurrentA: 16, phases: 3 });
 *   await st.start(1, 'TAG1');
 *   st.currentLimitA(1); st.drawA(1); await st.sendMeterValues(1);
 *   await st.stop(1);
 */
import { EventEmitter } from 'node:events';
import type { OcppVersion } from '../../contracts/station-gateway.ts';
import { subprotocolOf } from '../../ocpp/ocpp-version.ts';
import type { RpcClient } from '../../ocpp/rpc.ts';
import { createRpcClient } from '../../ocpp/rpc.ts';
import { installStationHandlers } from './ocpp-station-handlers.ts';
import { startTransaction, stopTransaction, transactionEvent } from './ocpp-station-transactions.ts';
import type { SimReading } from './ocpp-station-messages.ts';
import {
  bootPayload,
  chargingNeedsPayload,
  initialConfig,
  meterValue,
  statusPayload,
} from './ocpp-station-messages.ts';
import type {
  SimAnswering,
  SimCar,
  SimLocalList,
  SimPort,
  SimPortOptions,
  SimProfileRefusal,
  SimStationOptions,
  SimTriggerAnswer,
} from './ocpp-station-types.ts';
import { belowMinimumA, pilotDrawA, socAfter } from '../world/ev-model.ts';
import { SimProfileStore } from './ocpp-station-profiles.ts';

export type * from './ocpp-station-types.ts';

export class SimulatedStation extends EventEmitter {
  readonly stationId: string;
  readonly version: OcppVersion;
  readonly profiles = new SimProfileStore();
  readonly ports = new Map<number, SimPort>();
  /** Configuration keys (1.6) or Component.Variable values (2.x), readable and writable by the CSMS. */
  readonly config = new Map<string, string>();
  /** Its local authorization list; undefined when it has none (option `localList`). */
  readonly localList: SimLocalList | undefined;
  /** Calls received from the CSMS, most recent last. */
  readonly received: { action: string; payload: unknown; atMs: number }[] = [];
  /** How the station answers the CSMS: normally, never (a station that hangs), or refusing profiles. */
  answering: SimAnswering = 'normal';
  /** Set: SetChargingProfile is refused this way (every other call is answered normally). */
  refuseProfiles: SimProfileRefusal | undefined;
  /** How the station answers TriggerMessage (when `answering` is 'normal' or 'reject-profiles'). */
  answeringTrigger: SimTriggerAnswer = 'Accepted';
  bootStatus: string | undefined;
  heartbeatIntervalS: number | undefined;
  readonly now: () => number;
  readonly voltageV: number;
  private client: RpcClient | undefined;
  private meterTimer: NodeJS.Timeout | undefined;
  /** close() was called: no reconnecting. */
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;
  /** The backoff delay before randomisation of the last reconnect scheduled; 0 after a success. */
  private retryBaseMs = 0;

  constructor(private readonly options: SimStationOptions) {
    super();
    this.stationId = options.stationId;
    this.version = options.version;
    this.now = options.now ?? Date.now;
    this.voltageV = options.voltageV ?? 230;
    this.refuseProfiles = options.refuseProfiles;
    const ports: readonly SimPortOptions[] =
      typeof options.ports === 'number' || options.ports === undefined
        ? Array.from({ length: options.ports ?? 1 }, (_, i) => ({ connectorId: i + 1 }))
        : options.ports;
    for (const p of ports) {
      this.ports.set(p.connectorId, {
        connectorId: p.connectorId,
        phases: p.phases ?? 3,
        maxCurrentA: p.maxCurrentA ?? 32,
        car: undefined,
        tx: undefined,
        meterWh: 0,
        lastAdvanceMs: this.now(),
        status: 'Available',
        operative: true,
      });
    }
    this.localList = options.localList ? { version: 0, entries: new Map() } : undefined;
    for (const [k, v] of initialConfig(options, this.ports.size)) this.config.set(k, v);
    this.on('error', () => undefined);
  }

  get connected(): boolean {
    return this.client?.state === 1;
  }

  /** Open the WebSocket; with `boot`, send BootNotification and every port's status. */
  async connect(options: { boot?: boolean } = {}): Promise<{ status: string | undefined }> {
    const o = this.options;
    const client = createRpcClient({
      endpoint: o.url,
      identity: o.stationId,
      protocols: o.offerProtocols ?? [subprotocolOf(o.version)],
      strictMode: true,
      password: o.password ?? null,
      reconnect: false,
      callTimeoutMs: o.callTimeoutMs ?? 30_000,
      pingIntervalMs: 0,
      wsOpts: {
        ...(o.tls ? { ca: o.tls.ca, cert: o.tls.cert, key: o.tls.key } : {}),
        ...(o.localAddress ? { localAddress: o.localAddress } : {}),
      },
    });
    this.closed = false;
    installStationHandlers(this, client);
    client.on('close', (e: unknown) => {
      this.emit('disconnected', e);
      if (this.client === client) this.scheduleReconnect();
    });
    client.on('disconnect', (e: unknown) => this.emit('disconnect', e));
    client.on('message', (e: { message: unknown; outbound: boolean }) => this.emit('message', e));
    this.client = client;
    try {
      await client.connect();
    } catch (err) {
      if (this.client === client) this.scheduleReconnect();
      throw err;
    }
    this.retryBaseMs = 0;
    if (options.boot === false) return { status: this.bootStatus };
    return this.boot();
  }

  /** BootNotification, then (if accepted) a StatusNotification per port. */
  async boot(): Promise<{ status: string | undefined }> {
    const payload = bootPayload(
      this.version,
      this.options.vendor ?? 'Fusebox',
      this.options.model ?? 'SimStation',
    );
    const res = await this.call<{ status: string; interval: number }>('BootNotification', payload);
    this.bootStatus = res.status;
    this.heartbeatIntervalS = res.interval;
    if (res.status === 'Accepted')
      for (const port of this.ports.values()) await this.sendStatus(port.connectorId);
    return { status: res.status };
  }

  /** Drop the connection as a network fault would, and come back without booting (OCPP: no new boot). */
  async reconnect(): Promise<void> {
    const old = this.client;
    this.client = undefined;
    await old?.close({ force: true });
    await this.connect({ boot: false });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.stopMeterValues();
    await this.client?.close({ code: 1000, reason: 'station going away' });
  }

  /** With `reconnect`: the next attempt after the backoff delay (one pending at a time). */
  private scheduleReconnect(): void {
    const o = this.options.reconnect;
    if (!o || this.closed || this.retryTimer) return;
    const initialMs = (o === true ? undefined : o.initialDelayMs) ?? 1000;
    const maxMs = (o === true ? undefined : o.maxDelayMs) ?? 30_000;
    this.retryBaseMs = this.retryBaseMs > 0 ? Math.min(maxMs, this.retryBaseMs * 2) : initialMs;
    const delayMs = Math.round(this.retryBaseMs * (0.5 + Math.random() / 2));
    this.emit('reconnect-scheduled', { delayMs });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.closed) return;
      this.connect({ boot: false }).then(
        () => this.emit('reconnected'),
        (err: unknown) => this.emit('reconnect-failed', err),
      );
    }, delayMs);
    this.retryTimer.unref();
  }

  /** Any CALL to the CSMS (tests use it for raw protocol checks). */
  async call<T = unknown>(action: string, payload: unknown): Promise<T> {
    if (!this.client) throw new Error('not connected');
    const done = this.options.onCallDone;
    if (!done) return (await this.client.call(action, payload)) as T;
    const start = performance.now();
    try {
      const res = (await this.client.call(action, payload)) as T;
      done(action, performance.now() - start, true);
      return res;
    } catch (err) {
      done(action, performance.now() - start, false);
      throw err;
    }
  }

  /** Send text as it is, bypassing framing and validation. */
  sendRaw(text: string): void {
    this.client?.sendRaw(text);
  }

  port(connectorId: number): SimPort {
    const p = this.ports.get(connectorId);
    if (!p) throw new Error(`station ${this.stationId} has no connector ${connectorId}`);
    return p;
  }

  async heartbeat(): Promise<number> {
    const res = await this.call<{ currentTime: string }>('Heartbeat', {});
    return Date.parse(res.currentTime);
  }

  /** A car arrives. */
  async plugIn(connectorId: number, car: SimCar = { maxCurrentA: 32, phases: 3 }): Promise<void> {
    const port = this.port(connectorId);
    this.advance(port);
    port.car = { ...car };
    await this.setStatus(connectorId, this.version === '1.6' ? 'Preparing' : 'Occupied');
  }

  /** What the car wants changes (taper, on-board charger limit, phases). */
  setCar(connectorId: number, car: Partial<SimCar>): void {
    const port = this.port(connectorId);
    this.advance(port);
    if (port.car) Object.assign(port.car, car);
  }

  /** Authorize then start a transaction; resolves with the CSMS's verdict and transaction id. */
  start(connectorId: number, idTag: string): Promise<{ accepted: boolean; transactionId: string }> {
    return startTransaction(this, connectorId, idTag);
  }

  /**
   * NotifyEVChargingNeeds (2.0.1 / 2.1, K15) for the car on the port, as an AC ISO 15118 car states them:
   * its departure, the energy it asks for (else what its SoC lacks of its battery), its current range.
   * Resolves with the CSMS's status.
   */
  async notifyChargingNeeds(connectorId: number): Promise<string> {
    const port = this.port(connectorId);
    const car = port.car;
    if (this.version === '1.6') throw new Error('NotifyEVChargingNeeds is OCPP 2.0.1 / 2.1');
    if (!car) throw new Error(`no car on connector ${connectorId}`);
    const res = await this.call<{ status: string }>(
      'NotifyEVChargingNeeds',
      chargingNeedsPayload(connectorId, car, port.phases, this.voltageV),
    );
    return res.status;
  }

  async authorize(idTag: string): Promise<string> {
    if (this.version === '1.6') {
      const res = await this.call<{ idTagInfo: { status: string } }>('Authorize', { idTag });
      return res.idTagInfo.status;
    }
    const res = await this.call<{ idTokenInfo: { status: string } }>('Authorize', {
      idToken: { idToken: idTag, type: 'ISO14443' },
    });
    return res.idTokenInfo.status;
  }

  /** End the transaction; resolves with the energy the station metered for it. */
  stop(connectorId: number, reason = 'Local'): Promise<{ energyWh: number }> {
    return stopTransaction(this, connectorId, reason);
  }

  /** The car leaves. */
  async unplug(connectorId: number): Promise<void> {
    const port = this.port(connectorId);
    if (port.tx) await this.stop(connectorId, 'EVDisconnected');
    this.advance(port);
    port.car = undefined;
    await this.setStatus(connectorId, 'Available');
  }

  /** The limit the port runs under now from its profiles, in A per phase (its maximum without any). */
  currentLimitA(connectorId: number): number {
    const port = this.port(connectorId);
    const limit = this.profiles.limitA({
      nowMs: this.now(),
      connectorId,
      transactionId: port.tx?.id,
      transactionStartMs: port.tx?.startMs,
      voltageV: this.voltageV,
      phasesInUse: Math.min(port.car?.phases ?? port.phases, port.phases),
    });
    return Math.min(limit ?? port.maxCurrentA, port.maxCurrentA);
  }

  /** What the car draws now, per conductor of the port, in A (the EV model's rules, world/ev-model.ts). */
  drawA(connectorId: number): number[] {
    const port = this.port(connectorId);
    const out = Array.from({ length: port.phases }, () => 0);
    if (!port.tx || !port.car || !port.operative) return out;
    // A car whose own maximum is below the minimum holds itself (SuspendedEV).
    if (belowMinimumA(port.car.maxCurrentA)) return out;
    const a = pilotDrawA(this.currentLimitA(connectorId), port.car.maxCurrentA);
    const used = Math.min(port.car.phases, port.phases);
    for (let i = 0; i < used; i++) out[i] = a;
    return out;
  }

  /** Integrate energy up to now at the current draw. */
  advance(port: SimPort): void {
    const nowMs = this.now();
    const dtH = Math.max(0, nowMs - port.lastAdvanceMs) / 3_600_000;
    port.lastAdvanceMs = nowMs;
    if (dtH === 0) return;
    const powerW = this.drawA(port.connectorId).reduce((s, a) => s + a, 0) * this.voltageV;
    const wh = powerW * dtH;
    port.meterWh += wh;
    const car = port.car;
    if (car?.socPct !== undefined && car.capacityWh) car.socPct = socAfter(car.socPct, wh, car.capacityWh);
  }

  /** Energy register of a port, in Wh. */
  energyWh(connectorId: number): number {
    const port = this.port(connectorId);
    this.advance(port);
    return port.meterWh;
  }

  reading(connectorId: number, context: SimReading['context'] = 'Sample.Periodic'): SimReading {
    const port = this.port(connectorId);
    this.advance(port);
    const currentA = this.drawA(connectorId);
    return {
      atMs: this.now(),
      energyWh: port.meterWh,
      powerW: currentA.reduce((s, a) => s + a, 0) * this.voltageV,
      currentA,
      voltageV: this.voltageV,
      socPct: port.car?.socPct,
      context,
    };
  }

  /** Send one MeterValues (1.6) / TransactionEvent Updated (2.x) per port with a transaction (or the given one). */
  async sendMeterValues(
    connectorId?: number,
    context: SimReading['context'] = 'Sample.Periodic',
  ): Promise<void> {
    const targets = connectorId !== undefined ? [this.port(connectorId)] : [...this.ports.values()];
    for (const port of targets) {
      await this.refreshStatus(port.connectorId);
      const mv = meterValue(this.version, this.reading(port.connectorId, context));
      if (this.version === '1.6') {
        await this.call('MeterValues', {
          connectorId: port.connectorId,
          ...(port.tx ? { transactionId: Number(port.tx.id) } : {}),
          meterValue: [mv],
        });
      } else if (port.tx) {
        await transactionEvent(
          this,
          port,
          'Updated',
          context === 'Trigger' ? 'Trigger' : 'MeterValuePeriodic',
          context,
        );
      } else {
        await this.call('MeterValues', { evseId: port.connectorId, meterValue: [mv] });
      }
    }
  }

  /** Send meter values every `intervalMs` for ports in a transaction. */
  startMeterValues(intervalMs: number): void {
    this.stopMeterValues();
    this.meterTimer = setInterval(() => {
      for (const port of this.ports.values()) {
        if (port.tx && this.connected)
          this.sendMeterValues(port.connectorId).catch((err: unknown) => this.emit('error', err));
      }
    }, intervalMs);
    this.meterTimer.unref();
  }

  stopMeterValues(): void {
    clearInterval(this.meterTimer);
    this.meterTimer = undefined;
  }

  /** The charging state the port is in now (Charging, SuspendedEV, SuspendedEVSE) while in a transaction. */
  chargingState(connectorId: number): string | undefined {
    const port = this.port(connectorId);
    if (!port.tx || !port.car) return undefined;
    if (this.drawA(connectorId).some((a) => a > 0)) return 'Charging';
    return belowMinimumA(port.car.maxCurrentA) ? 'SuspendedEV' : 'SuspendedEVSE';
  }

  /** Report a charging-state change (e.g. a new limit paused the car) as the station would. */
  async refreshStatus(connectorId: number): Promise<void> {
    const state = this.chargingState(connectorId);
    if (state === undefined || this.version !== '1.6') return;
    await this.setStatus(connectorId, state);
  }

  async setStatus(connectorId: number, status: string): Promise<void> {
    const port = this.port(connectorId);
    if (port.status === status) return;
    port.status = status;
    await this.sendStatus(connectorId);
  }

  async sendStatus(connectorId: number): Promise<void> {
    await this.call('StatusNotification', statusPayload(this.version, this.port(connectorId), this.now()));
  }

  /** Whether the station takes charging schedules in `unit` (its configured rate units); others are refused. */
  takesUnit(unit: 'A' | 'W'): boolean {
    if (this.version === '1.6') {
      const said = this.config.get('ChargingScheduleAllowedChargingRateUnit') ?? 'Current';
      return new RegExp(unit === 'A' ? 'current' : 'power', 'i').test(said);
    }
    return (this.config.get('SmartChargingCtrlr.RateUnit') ?? 'A').split(',').includes(unit);
  }

  /** Remember a CSMS call (bounded). */
  noteReceived(action: string, payload: unknown): void {
    const keep = this.options.keepReceived ?? 200;
    if (keep <= 0) return;
    this.received.push({ action, payload, atMs: this.now() });
    if (this.received.length > keep) this.received.shift();
    this.emit('call', { action, payload });
  }
}
