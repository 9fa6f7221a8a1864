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
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { OcppVersion } from '../../contracts/station-gateway.ts';
import { AC_MIN_A } from '../../core/site.ts';
import { subprotocolOf } from '../../ocpp/ocpp-version.ts';
import type { RpcClient } from '../../ocpp/rpc.ts';
import { createRpcClient } from '../../ocpp/rpc.ts';
import { installStationHandlers } from './ocpp-station-handlers.ts';
import type { SimReading } from './ocpp-station-messages.ts';
import { meterValue } from './ocpp-station-messages.ts';
import { SimProfileStore } from './ocpp-station-profiles.ts';

export interface SimPortOptions {
  readonly connectorId: number;
  /** Conductors of the port: 1 (single phase) or 3. */
  readonly phases?: 1 | 3;
  readonly maxCurrentA?: number;
}

export interface SimTlsOptions {
  readonly ca?: string | Buffer;
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
}

export interface SimStationOptions {
  /** Base URL without the station id, e.g. ws://127.0.0.1:9000/ocpp. */
  readonly url: string;
  readonly stationId: string;
  readonly version: OcppVersion;
  /** A number of identical three-phase 32 A ports, or each port. Default 1. */
  readonly ports?: number | readonly SimPortOptions[];
  readonly password?: string | undefined;
  readonly tls?: SimTlsOptions | undefined;
  /** Local address to connect from (tests: another 127.0.0.0/8 address is another source). */
  readonly localAddress?: string | undefined;
  readonly voltageV?: number;
  /** Rate units announced in the station's configuration. Default ['A']. */
  readonly rateUnits?: readonly ('A' | 'W')[];
  readonly now?: () => number;
  readonly callTimeoutMs?: number;
  readonly vendor?: string;
  readonly model?: string;
  /** Subprotocols offered; default: the one of `version`. */
  readonly offerProtocols?: readonly string[];
  /** Keep the last N calls received from the CSMS in `received` (0: none). Default 200. */
  readonly keepReceived?: number;
  /**
   * Reconnect by itself after losing the connection, as real stations do: after `initialDelayMs` (default
   * 1 s), doubling up to `maxDelayMs` (default 30 s), each delay randomised down to half so that stations
   * dropped together do not come back in step; without a new BootNotification. Off by default (tests).
   */
  readonly reconnect?: boolean | { readonly initialDelayMs?: number; readonly maxDelayMs?: number };
  /** Told the round-trip time of every CALL the station makes (benchmarks). */
  readonly onCallDone?: (action: string, ms: number, ok: boolean) => void;
  /** How SetChargingProfile is refused (see SimProfileRefusal); default: profiles are applied. */
  readonly refuseProfiles?: SimProfileRefusal | undefined;
  /**
   * false: the station announces no smart charging (1.6 SupportedFeatureProfiles without SmartCharging,
   * 2.0.1 SmartChargingCtrlr Available and Enabled false). Default true.
   */
  readonly smartCharging?: boolean | undefined;
  /**
   * true: the station keeps a local authorization list (1.6 SupportedFeatureProfiles names
   * LocalAuthListManagement; GetLocalListVersion and SendLocalList are answered). Default false.
   */
  readonly localList?: boolean | undefined;
}

/** The station's local authorization list (SendLocalList): its version and entries by id tag. */
export interface SimLocalList {
  version: number;
  readonly entries: Map<string, unknown>;
}

/** What a car on a port wants: up to `maxCurrentA` per phase on `phases` conductors. */
export interface SimCar {
  maxCurrentA: number;
  phases: 1 | 2 | 3;
  socPct?: number | undefined;
  /** Battery size for SoC to follow the energy, in Wh. */
  capacityWh?: number | undefined;
  /**
   * An ISO 15118 car: when it leaves (ms since epoch) and the energy it asks for, in Wh. A 2.0.1 / 2.1
   * station sends them in NotifyEVChargingNeeds when its transaction starts; a 1.6 station cannot.
   */
  departureMs?: number | undefined;
  energyWantedWh?: number | undefined;
}

export interface SimTransaction {
  readonly id: string;
  readonly idTag: string;
  readonly startMs: number;
  readonly meterStartWh: number;
  seqNo: number;
}

export interface SimPort {
  readonly connectorId: number;
  readonly phases: 1 | 3;
  readonly maxCurrentA: number;
  car: SimCar | undefined;
  tx: SimTransaction | undefined;
  meterWh: number;
  lastAdvanceMs: number;
  status: string;
  operative: boolean;
}

export type SimAnswering = 'normal' | 'never' | 'reject-profiles';

/**
 * How a station without (working) smart charging answers SetChargingProfile: status Rejected, a CALLERROR
 * NotImplemented, or no answer at all (Fusebox's call times out). Undefined: it applies profiles.
 */
export type SimProfileRefusal = 'Rejected' | 'NotImplemented' | 'no-answer';

/** How a station answers TriggerMessage: as asked, refusing (its status word), or with a CALLERROR. */
export type SimTriggerAnswer = 'Accepted' | 'Rejected' | 'NotImplemented' | 'CALLERROR';

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
    const smart = options.smartCharging !== false;
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
    const units = options.rateUnits ?? ['A'];
    this.localList = options.localList ? { version: 0, entries: new Map() } : undefined;
    if (this.version === '1.6') {
      this.config.set(
        'ChargingScheduleAllowedChargingRateUnit',
        units.map((u) => (u === 'A' ? 'Current' : 'Power')).join(','),
      );
      this.config.set('MeterValueSampleInterval', '60');
      this.config.set('MeterValuesSampledData', 'Energy.Active.Import.Register');
      this.config.set('NumberOfConnectors', String(this.ports.size));
      this.config.set(
        'SupportedFeatureProfiles',
        [
          'Core,FirmwareManagement,RemoteTrigger',
          ...(smart ? ['SmartCharging'] : []),
          ...(options.localList ? ['LocalAuthListManagement'] : []),
        ].join(','),
      );
    } else {
      this.config.set('SmartChargingCtrlr.RateUnit', units.join(','));
      this.config.set('SmartChargingCtrlr.Available', String(smart));
      this.config.set('SmartChargingCtrlr.Enabled', String(smart));
      this.config.set('SampledDataCtrlr.TxUpdatedInterval', '60');
      this.config.set('SampledDataCtrlr.TxUpdatedMeasurands', 'Energy.Active.Import.Register');
      this.config.set('OCPPCommCtrlr.HeartbeatInterval', '300');
    }
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
    const vendor = this.options.vendor ?? 'Fusebox';
    const model = this.options.model ?? 'SimStation';
    const payload =
      this.version === '1.6'
        ? { chargePointVendor: vendor, chargePointModel: model, firmwareVersion: 'sim-1' }
        : { reason: 'PowerUp', chargingStation: { vendorName: vendor, model, firmwareVersion: 'sim-1' } };
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
  async start(connectorId: number, idTag: string): Promise<{ accepted: boolean; transactionId: string }> {
    const port = this.port(connectorId);
    this.advance(port);
    const auth = await this.authorize(idTag);
    // Nothing flowed while authorizing (no transaction yet): the register starts from here.
    this.advance(port);
    const startMs = this.now();
    let accepted = auth === 'Accepted';
    let id: string;
    if (this.version === '1.6') {
      const res = await this.call<{ transactionId: number; idTagInfo: { status: string } }>(
        'StartTransaction',
        {
          connectorId,
          idTag,
          meterStart: Math.round(port.meterWh),
          timestamp: new Date(startMs).toISOString(),
        },
      );
      id = String(res.transactionId);
      accepted = res.idTagInfo.status === 'Accepted';
      port.tx = { id, idTag, startMs, meterStartWh: Math.round(port.meterWh), seqNo: 0 };
      await this.setStatus(connectorId, 'Charging');
    } else {
      id = randomUUID();
      port.tx = { id, idTag, startMs, meterStartWh: port.meterWh, seqNo: 0 };
      await this.transactionEvent(port, 'Started', 'Authorized', 'Transaction.Begin', {
        idToken: { idToken: idTag, type: 'ISO14443' },
      });
      const car = port.car;
      if (car && (car.departureMs !== undefined || car.energyWantedWh !== undefined))
        await this.notifyChargingNeeds(connectorId);
    }
    this.emit('transaction-started', { connectorId, transactionId: id });
    return { accepted, transactionId: id };
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
    const lackWh =
      car.socPct !== undefined && car.capacityWh !== undefined
        ? ((100 - car.socPct) / 100) * car.capacityWh
        : undefined;
    const energyWh = car.energyWantedWh ?? lackWh ?? 0;
    const phases = Math.min(car.phases, port.phases);
    const res = await this.call<{ status: string }>('NotifyEVChargingNeeds', {
      evseId: connectorId,
      chargingNeeds: {
        requestedEnergyTransfer: ['AC_single_phase', 'AC_two_phase', 'AC_three_phase'][phases - 1],
        ...(car.departureMs !== undefined ? { departureTime: new Date(car.departureMs).toISOString() } : {}),
        acChargingParameters: {
          // 2.0.1 has these as integers.
          energyAmount: Math.round(energyWh),
          evMinCurrent: AC_MIN_A,
          evMaxCurrent: Math.max(AC_MIN_A, Math.floor(car.maxCurrentA)),
          evMaxVoltage: Math.round(this.voltageV),
        },
      },
    });
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
  async stop(connectorId: number, reason = 'Local'): Promise<{ energyWh: number }> {
    const port = this.port(connectorId);
    const tx = port.tx;
    if (!tx) throw new Error(`no transaction on connector ${connectorId}`);
    this.advance(port);
    const meterStopWh = this.version === '1.6' ? Math.round(port.meterWh) : port.meterWh;
    if (this.version === '1.6') {
      await this.call('StopTransaction', {
        transactionId: Number(tx.id),
        meterStop: meterStopWh,
        timestamp: new Date(this.now()).toISOString(),
        reason,
      });
      port.tx = undefined;
      await this.setStatus(connectorId, 'Finishing');
    } else {
      await this.transactionEvent(port, 'Ended', 'StopAuthorized', 'Transaction.End', {}, reason);
      port.tx = undefined;
    }
    this.profiles.endTransaction(connectorId);
    this.emit('transaction-stopped', { connectorId, transactionId: tx.id });
    return { energyWh: meterStopWh - tx.meterStartWh };
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

  /** What the car draws now, per conductor of the port, in A. */
  drawA(connectorId: number): number[] {
    const port = this.port(connectorId);
    const out = Array.from({ length: port.phases }, () => 0);
    if (!port.tx || !port.car || !port.operative) return out;
    const limit = this.currentLimitA(connectorId);
    const a = Math.min(port.car.maxCurrentA, limit);
    if (a < AC_MIN_A) return out;
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
    if (car?.socPct !== undefined && car.capacityWh)
      car.socPct = Math.min(100, car.socPct + (100 * wh) / car.capacityWh);
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
        await this.transactionEvent(
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
    return port.car.maxCurrentA < AC_MIN_A ? 'SuspendedEV' : 'SuspendedEVSE';
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
    const port = this.port(connectorId);
    if (this.version === '1.6') {
      await this.call('StatusNotification', {
        connectorId,
        errorCode: 'NoError',
        status: port.operative ? port.status : 'Unavailable',
        timestamp: new Date(this.now()).toISOString(),
      });
      return;
    }
    const connectorStatus = !port.operative
      ? 'Unavailable'
      : port.status === 'Available' || port.status === 'Faulted' || port.status === 'Reserved'
        ? port.status
        : 'Occupied';
    await this.call('StatusNotification', {
      timestamp: new Date(this.now()).toISOString(),
      connectorStatus,
      evseId: connectorId,
      connectorId: 1,
    });
  }

  private async transactionEvent(
    port: SimPort,
    eventType: 'Started' | 'Updated' | 'Ended',
    triggerReason: string,
    context: SimReading['context'],
    extra: Record<string, unknown> = {},
    stoppedReason?: string,
  ): Promise<void> {
    const tx = port.tx!;
    const chargingState = this.chargingState(port.connectorId) ?? 'EVConnected';
    await this.call('TransactionEvent', {
      eventType,
      timestamp: new Date(this.now()).toISOString(),
      triggerReason,
      seqNo: tx.seqNo++,
      transactionInfo: {
        transactionId: tx.id,
        chargingState: eventType === 'Ended' ? 'EVConnected' : chargingState,
        ...(stoppedReason ? { stoppedReason } : {}),
      },
      ...(eventType === 'Started' ? { evse: { id: port.connectorId, connectorId: 1 } } : {}),
      meterValue: [meterValue(this.version, this.reading(port.connectorId, context))],
      ...extra,
    });
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
