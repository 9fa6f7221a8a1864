/**
 * What the rest of Fusebox uses from the Modbus adapter (README "Layout"): meter polling, the driver config
 * schema, the EMS server and its config. What the control loop sees of it (MeterReading, EmsCommands) is in
 * contracts/.
 */
export type { MeterPollerEvents, MeterPollerOptions, MeterStatus, PolledMeter } from './meter-poller.ts';
export { MeterPoller } from './meter-poller.ts';
export type { ModbusMeterConfig } from './polled-meter.ts';
export { polledMeterOf } from './polled-meter.ts';
export type { ModbusDriverConfig, ModbusDriverInput } from './device-schema.ts';
export { DEFAULT_POLL_INTERVAL_MS, modbusDriverSchema } from './device-schema.ts';
export { PRESET_NAMES } from './presets/index.ts';
export { CommandWatchdog, combineEmsCommands } from './ems-commands.ts';
export type { EmsServerConfig, EmsServerConfigInput } from './ems-config-schema.ts';
export { DEFAULT_EMS_PORT, emsServerConfigSchema } from './ems-config-schema.ts';
export type { EmsLayout, EmsLayoutInput } from './ems-layout.ts';
export { EmsLayoutError, buildEmsLayout, emsLayoutInputOf } from './ems-layout.ts';
export type {
  EmsAlarms,
  EmsCircuitValues,
  EmsPortValues,
  EmsSnapshot,
  EmsSnapshotProvider,
} from './ems-snapshot.ts';
export type { EmsPortState } from './ems-map-spec.ts';
export { EMS_MAP_VERSION } from './ems-map-spec.ts';
export type { EmsServerEvents, EmsServerOptions } from './ems-server.ts';
export { EmsServer } from './ems-server.ts';
export type { ModbusBatteryConfig } from './battery-commander.ts';
export { ModbusBatteryCommander } from './battery-commander.ts';
export type { Clock } from './clock.ts';
export { systemClock } from './clock.ts';
