/**
 * The EMS register map as data (docs/modbus-ems.md is generated from it): blocks of registers, their types,
 * scales and access. The server builds its address table from this same data, so the two cannot drift.
 */

/** Bump the major version when an address or meaning changes; the minor when registers are only added. */
export const EMS_MAP_VERSION = { major: 1, minor: 0 } as const;

export type EmsValueType = 'u16' | 's32' | 'u32';
export type EmsAccess = 'r' | 'rw';

export interface EmsRegisterSpec {
  /** Offset from the block's base (and, for repeated blocks, from the element's start). */
  readonly offset: number;
  readonly name: string;
  readonly type: EmsValueType;
  /** Engineering value = raw × scale. */
  readonly scale: number;
  readonly unit: string;
  readonly access: EmsAccess;
  readonly description: string;
}

export interface EmsBlockSpec {
  readonly name: 'identity' | 'site' | 'commands' | 'circuitCommands' | 'circuits' | 'ports';
  readonly base: number;
  /** Repeated blocks: registers per element (element k starts at base + k × stride). */
  readonly stride?: number | undefined;
  /** Repeated blocks: the identity register that says how many elements there are. */
  readonly countRegister?: string | undefined;
  readonly title: string;
  readonly registers: readonly EmsRegisterSpec[];
}

const r = (
  offset: number,
  name: string,
  type: EmsValueType,
  scale: number,
  unit: string,
  description: string,
): EmsRegisterSpec => ({
  offset,
  name,
  type,
  scale,
  unit,
  access: 'r',
  description,
});
const rw = (
  offset: number,
  name: string,
  scale: number,
  unit: string,
  description: string,
): EmsRegisterSpec => ({
  offset,
  name,
  type: 'u16',
  scale,
  unit,
  access: 'rw',
  description,
});

/** 0x8000 0x0000 in an s32 (and 0xFFFFFFFF in a u32): the value is not known. */
export const S32_NOT_AVAILABLE = -0x80000000;
export const U32_NOT_AVAILABLE = 0xffffffff;
/** Written to, or read from, a limit command: no limit. */
export const NO_LIMIT = 0xffff;
export const EMS_MAGIC = 0x4642; // "FB"
export const MAX_EMS_CIRCUITS = 200;
export const MAX_EMS_PORTS = 2000;

export const EMS_BLOCKS: readonly EmsBlockSpec[] = [
  {
    name: 'identity',
    base: 0,
    title: 'Identity and layout',
    registers: [
      r(0, 'magic', 'u16', 1, '', '0x4642 ("FB"): this is a Fusebox EMS map'),
      r(1, 'mapVersionMajor', 'u16', 1, '', 'changes when an address or meaning changes'),
      r(2, 'mapVersionMinor', 'u16', 1, '', 'changes when registers are only added'),
      r(3, 'circuitCount', 'u16', 1, '', 'circuits in this map (their order in the config)'),
      r(4, 'portCount', 'u16', 1, '', 'ports in this map (stations in config order, then their ports)'),
      r(5, 'circuitBase', 'u16', 1, '', 'address of circuit 0 (1000)'),
      r(6, 'circuitStride', 'u16', 1, '', 'registers per circuit (10)'),
      r(7, 'portBase', 'u16', 1, '', 'address of port 0 (3000)'),
      r(8, 'portStride', 'u16', 1, '', 'registers per port (10)'),
      r(
        9,
        'layoutHash',
        'u16',
        1,
        '',
        'hash of the circuit and port ids in map order: changes when the numbering does',
      ),
    ],
  },
  {
    name: 'site',
    base: 100,
    title: 'Site (live)',
    registers: [
      r(0, 'heartbeat', 'u16', 1, '', '+1 every second while the control loop is alive (wraps at 65535)'),
      r(1, 'status', 'u16', 1, 'bits', 'status bits (below)'),
      r(2, 'alarms', 'u16', 1, 'bits', 'alarm bits (below)'),
      r(3, 'sitePowerKw', 's32', 0.01, 'kW', 'grid connection active power, import positive'),
      r(5, 'siteCurrentL1A', 's32', 0.01, 'A', 'grid connection current L1, import positive'),
      r(7, 'siteCurrentL2A', 's32', 0.01, 'A', 'grid connection current L2'),
      r(9, 'siteCurrentL3A', 's32', 0.01, 'A', 'grid connection current L3'),
      r(11, 'evPowerKw', 's32', 0.01, 'kW', 'power drawn by all charging ports'),
      r(13, 'headroomA', 's32', 0.01, 'A', 'current the site could still give EVs (lowest phase)'),
      r(15, 'headroomKw', 's32', 0.01, 'kW', 'power the site could still give EVs'),
      r(17, 'activeSessions', 'u16', 1, '', 'sessions charging'),
      r(18, 'pausedSessions', 'u16', 1, '', 'sessions paused for lack of capacity or by the EMS'),
    ],
  },
  {
    name: 'commands',
    base: 500,
    title: 'Commands (EMS → Fusebox)',
    registers: [
      rw(0, 'chargingEnabled', 1, '', '1: charging allowed; 0: every port paused. Reads the value in force'),
      rw(1, 'keepalive', 1, '', 'any write refreshes the watchdog of every command in force; reads 0'),
      rw(2, 'siteLimitA', 0.1, 'A', 'site current limit per phase; 65535 = none. Reads the value in force'),
      rw(3, 'siteLimitKw', 0.1, 'kW', 'site power limit; 65535 = none. Reads the value in force'),
      r(4, 'watchdogS', 'u16', 1, 's', 'a command not refreshed for this long reverts to its fallback'),
      rw(
        5,
        'gridState',
        1,
        'enum',
        "0: on the grid; 1: islanded (the root circuits' islanded limits hold); 65535 = not set. Not refreshed within the watchdog: unknown, the lower of the two limits holds",
      ),
    ],
  },
  {
    name: 'circuitCommands',
    base: 600,
    stride: 1,
    countRegister: 'circuitCount',
    title: 'Circuit limit commands (circuit k at 600 + k)',
    registers: [
      rw(
        0,
        'circuitLimitA',
        0.1,
        'A',
        "circuit k's current limit per phase; 65535 = none; at most its configured limit",
      ),
    ],
  },
  {
    name: 'circuits',
    base: 1000,
    stride: 10,
    countRegister: 'circuitCount',
    title: 'Circuits (circuit k at 1000 + 10k)',
    registers: [
      r(0, 'loadL1A', 's32', 0.01, 'A', 'measured load L1 (all loads, import positive)'),
      r(2, 'loadL2A', 's32', 0.01, 'A', 'measured load L2'),
      r(4, 'loadL3A', 's32', 0.01, 'A', 'measured load L3'),
      r(
        6,
        'limitA',
        's32',
        0.01,
        'A',
        'limit in force per phase: lowest of config, schedules, operator overrides, EMS command',
      ),
      r(8, 'powerKw', 's32', 0.01, 'kW', 'measured active power'),
    ],
  },
  {
    name: 'ports',
    base: 3000,
    stride: 10,
    countRegister: 'portCount',
    title: 'Ports (port k at 3000 + 10k)',
    registers: [
      r(0, 'state', 'u16', 1, 'enum', 'port state (below)'),
      r(1, 'phases', 'u16', 1, '', 'phases the port draws on (1, 2 or 3)'),
      r(2, 'currentA', 's32', 0.01, 'A', 'measured current (highest phase)'),
      r(4, 'limitA', 's32', 0.01, 'A', 'limit sent to the station'),
      r(6, 'powerKw', 's32', 0.01, 'kW', 'measured active power'),
      r(8, 'sessionEnergyKwh', 'u32', 0.01, 'kWh', 'energy of the current session (its meter rise)'),
    ],
  },
];

export const STATUS_BITS = [
  [0, 'controllerAlive', 'the control loop answers (the heartbeat runs)'],
  [1, 'chargingEnabled', 'charging allowed (command in force)'],
  [2, 'emsLimitInForce', 'an EMS site or circuit limit is in force'],
  [3, 'watchdogExpired', 'a command timed out and its fallback is in force'],
  [4, 'writesDisabled', 'this server refuses writes (config ems.writes: false)'],
] as const;

export const ALARM_BITS = [
  [0, 'meterStale', 'a meter is silent past its timeout: worst-case load assumed'],
  [1, 'stationOffline', 'a station is not connected'],
  [2, 'failSafe', 'a fail-safe limit is in force'],
  [3, 'overLimit', 'a measured load exceeds a limit'],
] as const;

export const PORT_STATES = [
  [0, 'unknown'],
  [1, 'available'],
  [2, 'occupied'],
  [3, 'charging'],
  [4, 'paused'],
  [5, 'suspendedEv'],
  [6, 'faulted'],
  [7, 'offline'],
] as const;
export type EmsPortState = (typeof PORT_STATES)[number][1];
