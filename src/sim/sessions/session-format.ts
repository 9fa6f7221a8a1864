/** What each session file format module provides: how to recognise its header and read its rows. */
import type { CsvRow } from './csv-table.ts';
import { RowProblem } from './row-fields.ts';
import type { SessionFormat, SimSession } from './sim-session.ts';

/** Reads the data rows of one file; may keep counts across rows (repairs applied). */
export interface RowReader {
  /** One session from one row; throws RowProblem when the row is malformed. */
  read(row: CsvRow): SimSession;
  /** Rows read after a documented repair. */
  fixedRows?(): number;
  /** Remarks for the import result, once all rows are read. */
  notes?(): string[];
}

/** A session file format: its header signature, separator and row reader. */
export interface SessionFormatSpec {
  readonly format: SessionFormat;
  readonly delimiter: ',' | ';';
  /** Header columns that must all be present (case-insensitive) for the content to be this format. */
  readonly columns: readonly string[];
  readonly timeZone?: string;
  createReader(): RowReader;
}

/** Validates the fields every session needs and returns the session (only the optional fields given). */
export function checkedSession(s: SimSession): SimSession {
  if (!Number.isFinite(s.arrivalMs) || !Number.isFinite(s.departureMs))
    throw new RowProblem('bad arrival or departure');
  if (s.departureMs <= s.arrivalMs) {
    const a = new Date(s.arrivalMs).toISOString();
    const d = new Date(s.departureMs).toISOString();
    throw new RowProblem(
      `departure ${d} ${s.departureMs === s.arrivalMs ? 'equals' : 'is before'} arrival ${a}`,
    );
  }
  if (!Number.isFinite(s.energyKwh) || s.energyKwh < 0)
    throw new RowProblem(`energy must be ≥ 0 kWh, got ${s.energyKwh}`);
  if (s.maxPowerKw !== undefined && !(Number.isFinite(s.maxPowerKw) && s.maxPowerKw > 0)) {
    throw new RowProblem(`max power must be > 0 kW, got ${s.maxPowerKw}`);
  }
  if (
    s.requestedEnergyKwh !== undefined &&
    !(Number.isFinite(s.requestedEnergyKwh) && s.requestedEnergyKwh >= 0)
  ) {
    throw new RowProblem(`requested energy must be ≥ 0 kWh, got ${s.requestedEnergyKwh}`);
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) if (v !== undefined) out[k] = v;
  return out as unknown as SimSession;
}
