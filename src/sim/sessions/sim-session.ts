/** The workload the simulator replays: sessions imported from a file, and the problems found in it. */

/** One charging session of a workload, in SI-ish units the simulator uses. */
export interface SimSession {
  readonly id: string;
  /** As in the data (the simulator maps stations to ports). */
  readonly stationId: string;
  /** UTC epoch ms. */
  readonly arrivalMs: number;
  /** UTC epoch ms, > arrivalMs. */
  readonly departureMs: number;
  /** The demand (ACN convention: delivered energy). */
  readonly energyKwh: number;
  /** The car's max power when the data has it. */
  readonly maxPowerKw?: number;
  /** The user's stated departure, when the data has it. */
  readonly estimatedDepartureMs?: number;
  /** What the user asked for, when the data has it and it differs from energyKwh. */
  readonly requestedEnergyKwh?: number;
  /** The connector/port when the data names one below the station (Fusebox export, Scottish files). */
  readonly portId?: string;
  /** The site, garage or location the station belongs to, when the data has several. */
  readonly siteId?: string;
}

/** A malformed row: reported with its 1-based line number in the file, and skipped. */
export interface ImportProblem {
  readonly line: number;
  readonly message: string;
}

export const SESSION_FORMATS = [
  'acn-data',
  'acn-sim',
  'norway-trondheim',
  'norway-12',
  'dundee',
  'perth-kinross',
  'fusebox',
  'generic',
] as const;
export type SessionFormat = (typeof SESSION_FORMATS)[number];

/** What an import gives: the sessions, the skipped rows, and what was repaired on the way. */
export interface ImportResult {
  readonly format: SessionFormat;
  readonly sessions: readonly SimSession[];
  /** Malformed rows: reported with 1-based line numbers, skipped. */
  readonly problems: readonly ImportProblem[];
  /** The data's local zone when known. */
  readonly timeZone?: string;
  /** Rows read after a documented repair (Perth & Kinross day/month swap); 0 when nothing was repaired. */
  readonly fixedRows: number;
  /** Human-readable remarks about repairs and conventions applied to this file. */
  readonly notes: readonly string[];
}

/** A whole file that cannot be imported (unreadable, unknown format): carries the file name. */
export class SessionFileError extends Error {
  constructor(
    readonly fileName: string,
    message: string,
  ) {
    super(`${fileName}: ${message}`);
    this.name = 'SessionFileError';
  }
}
