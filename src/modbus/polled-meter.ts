/** A configured Modbus meter (site config `meters[]`) as the poller takes it. */
import type { ModbusDriverConfig } from './device-schema.ts';
import { mapSourceOf } from './meter-driver.ts';
import type { PolledMeter } from './meter-poller.ts';
import type { MeterRole } from './sunspec-discovery.ts';

export interface ModbusMeterConfig {
  readonly id: string;
  readonly role: MeterRole;
  /** Silent past this: stale (the control loop then assumes the circuit's worst case). */
  readonly timeoutMs: number;
  readonly driver: ModbusDriverConfig;
}

/** What the poller needs for one configured meter. */
export function polledMeterOf(meter: ModbusMeterConfig): PolledMeter {
  const d = meter.driver;
  return {
    meterId: meter.id,
    endpoint: { host: d.host, port: d.port, unitId: d.unitId },
    source: mapSourceOf(d, meter.role),
    pollIntervalMs: d.pollIntervalMs,
    // A request never waits longer than the meter may stay silent.
    requestTimeoutMs: Math.min(d.requestTimeoutMs, meter.timeoutMs),
    staleAfterMs: meter.timeoutMs,
    invert: d.invert,
  };
}
