/**
 * Polls many Modbus devices concurrently, each on its own connection and timer: readings with their time,
 * stale/fresh transitions, reconnect with exponential backoff. The control loop listens; it never polls.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { Clock } from './clock.ts';
import { sleep, systemClock } from './clock.ts';
import type { MapSource } from './meter-driver.ts';
import { MeterDriver } from './meter-driver.ts';
import type { MeterReading } from '../contracts/meter-reading.ts';
import type { ModbusEndpoint, RegisterReader } from './modbus-client.ts';
import { ModbusDeviceError, ModbusTcpClient } from './modbus-client.ts';

/** One device to poll. */
export interface PolledMeter {
  readonly meterId: string;
  readonly endpoint: ModbusEndpoint;
  readonly source: MapSource;
  readonly pollIntervalMs: number;
  readonly requestTimeoutMs: number;
  /** Silent (no valid reading) for longer than this: stale. The meter's `timeoutMs` in the config. */
  readonly staleAfterMs: number;
  readonly invert?: boolean | undefined;
}

/** A connection as the poller needs it; tests can pass their own. */
export interface DeviceConnection extends RegisterReader {
  connect(): Promise<void>;
  close(): void;
}

export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
}

export interface MeterPollerOptions {
  readonly logger?: Logger | undefined;
  readonly clock?: Clock | undefined;
  readonly backoff?: BackoffOptions | undefined;
  readonly connect?: ((endpoint: ModbusEndpoint, timeoutMs: number) => DeviceConnection) | undefined;
}

export interface MeterStatus {
  readonly meterId: string;
  readonly stale: boolean;
  readonly lastReadingAtMs: number | null;
  readonly reads: number;
  readonly errors: number;
  readonly lastError: string | null;
}

export interface MeterPollerEvents {
  /** A complete read; `latencyMs` is the time from the first request to the last answer. */
  reading: [reading: MeterReading, latencyMs: number];
  /** The meter has been silent past its staleAfterMs: use the configured worst case (docs/control.md). */
  stale: [meterId: string, lastReadingAtMs: number | null];
  /** A valid reading after being stale (every meter starts stale). */
  fresh: [meterId: string];
  /** A failed poll, connect or discovery (never thrown: the poller keeps trying). */
  deviceError: [meterId: string, error: Error];
}

const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 30_000 };

/** Polls a set of devices; `start()` once, `stop()` to close every connection. */
export class MeterPoller extends EventEmitter<MeterPollerEvents> {
  private readonly loops: DeviceLoop[];
  private running = false;
  private done: Promise<void>[] = [];

  constructor(devices: readonly PolledMeter[], options: MeterPollerOptions = {}) {
    super();
    const ids = new Set<string>();
    for (const d of devices) {
      if (ids.has(d.meterId)) throw new Error(`meter '${d.meterId}' is listed twice`);
      ids.add(d.meterId);
    }
    this.loops = devices.map((d) => new DeviceLoop(d, this, options));
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.done = this.loops.map((l) => l.run());
  }

  /** Stops every loop and closes the connections; resolves when all have ended. */
  async stop(): Promise<void> {
    this.running = false;
    for (const l of this.loops) l.stop();
    await Promise.all(this.done);
  }

  /** True until the meter's first valid reading, and whenever it has been silent past its timeout. */
  isStale(meterId: string): boolean {
    return this.loop(meterId).stale;
  }

  latest(meterId: string): MeterReading | null {
    return this.loop(meterId).latest;
  }

  statuses(): MeterStatus[] {
    return this.loops.map((l) => l.status());
  }

  private loop(meterId: string): DeviceLoop {
    const l = this.loops.find((x) => x.device.meterId === meterId);
    if (!l) throw new Error(`no meter '${meterId}' in this poller`);
    return l;
  }
}

class DeviceLoop {
  stale = true;
  latest: MeterReading | null = null;
  private running = false;
  private reads = 0;
  private errors = 0;
  private streak = 0;
  private lastError: string | null = null;
  private staleTimer: unknown = null;
  private wake: (() => void) | null = null;
  private readonly clock: Clock;
  private readonly driver: MeterDriver;
  private readonly connection: DeviceConnection;
  private readonly backoff: BackoffOptions;
  private readonly logger: Logger | undefined;

  constructor(
    readonly device: PolledMeter,
    private readonly events: MeterPoller,
    options: MeterPollerOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.logger = options.logger?.child({ meterId: device.meterId });
    this.driver = new MeterDriver(device.meterId, device.source, { invert: device.invert });
    const connect = options.connect ?? ((e, t) => new ModbusTcpClient(e, t, this.clock));
    this.connection = connect(device.endpoint, device.requestTimeoutMs);
  }

  status(): MeterStatus {
    return {
      meterId: this.device.meterId,
      stale: this.stale,
      lastReadingAtMs: this.latest?.atMs ?? null,
      reads: this.reads,
      errors: this.errors,
      lastError: this.lastError,
    };
  }

  stop(): void {
    this.running = false;
    this.clock.clearTimeout(this.staleTimer);
    this.connection.close();
    this.wake?.();
  }

  async run(): Promise<void> {
    this.running = true;
    this.armStaleTimer();
    let connected = false;
    let backoffMs = this.backoff.initialMs;
    while (this.running) {
      const startMs = this.clock.nowMs();
      const started = performance.now();
      try {
        if (!connected) {
          await this.connection.connect();
          connected = true;
        }
        const reading = await this.driver.read(this.connection, () => this.clock.nowMs());
        if (!this.running) break;
        this.onReading(reading, performance.now() - started);
        backoffMs = this.backoff.initialMs;
        await this.pause(startMs + this.device.pollIntervalMs - this.clock.nowMs());
      } catch (err) {
        if (!this.running) break;
        const error = err instanceof Error ? err : new Error(String(err));
        this.onError(error);
        const answered = error instanceof ModbusDeviceError && error.kind === 'exception';
        if (answered) {
          // The device is there but refused a register: keep the connection, rediscover SunSpec models.
          this.driver.forgetDiscovery();
          await this.pause(Math.max(this.device.pollIntervalMs, backoffMs));
        } else {
          this.connection.close();
          connected = false;
          await this.pause(backoffMs);
        }
        backoffMs = Math.min(this.backoff.maxMs, backoffMs * 2);
      }
    }
    this.connection.close();
  }

  private onReading(reading: MeterReading, latencyMs: number): void {
    this.reads++;
    this.latest = reading;
    if (this.streak > 0) this.logger?.info({ failedPolls: this.streak }, 'meter answers again');
    this.streak = 0;
    this.emit('reading', reading, latencyMs);
    // A read where every value was rejected (a meter booting, all NaN) is not a sign of life for DLM.
    const useful =
      reading.currentA.some((v) => v !== null) ||
      reading.powerKw !== null ||
      (reading.productionKw ?? null) !== null ||
      (reading.socPct ?? null) !== null;
    if (!useful) return;
    this.armStaleTimer();
    if (this.stale) {
      this.stale = false;
      this.emit('fresh', this.device.meterId);
    }
  }

  private onError(error: Error): void {
    this.errors++;
    this.streak++;
    this.lastError = error.message;
    // Log the first failure of a streak, not every 250 ms.
    if (this.streak === 1) this.logger?.warn({ err: error.message }, 'meter poll failed');
    this.emit('deviceError', this.device.meterId, error);
  }

  /** A listener's bug must not look like a device failure (and reconnect the meter): log it instead. */
  private emit<K extends keyof MeterPollerEvents>(event: K, ...args: MeterPollerEvents[K]): void {
    try {
      (this.events.emit as (e: K, ...a: MeterPollerEvents[K]) => boolean)(event, ...args);
    } catch (err) {
      this.logger?.error({ err, event }, 'meter poller listener failed');
    }
  }

  private armStaleTimer(): void {
    this.clock.clearTimeout(this.staleTimer);
    this.staleTimer = this.clock.setTimeout(() => {
      if (!this.running || this.stale) return;
      this.stale = true;
      this.logger?.warn({ staleAfterMs: this.device.staleAfterMs }, 'meter is stale');
      this.emit('stale', this.device.meterId, this.latest?.atMs ?? null);
    }, this.device.staleAfterMs);
  }

  private async pause(ms: number): Promise<void> {
    if (!this.running) return;
    // Yield even when late, so one slow device never starves the event loop.
    await Promise.race([sleep(this.clock, Math.max(0, ms)), new Promise<void>((r) => (this.wake = r))]);
    this.wake = null;
  }
}
