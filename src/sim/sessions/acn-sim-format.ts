/**
 * The ACN-Sim case-study CSV (a flattened ACN-Sim EventQueue): times are 5-minute periods counted from
 * 2019-03-01 00:00 America/Los_Angeles = 2019-03-01T08:00:00Z. Periods are epoch-based, so DST does not
 * shift them; the periods, not the rounded *_utc columns, are the source of truth.
 */
import type { CsvRow } from './csv-table.ts';
import { optionalNumber, parseIsoInstant, requiredNumber, requiredText, RowProblem } from './row-fields.ts';
import type { SessionFormatSpec } from './session-format.ts';
import { checkedSession } from './session-format.ts';
import type { SimSession } from './sim-session.ts';

/** Period 0 of the case study: 2019-03-01 00:00 in Pasadena. */
export const ACN_SIM_START_MS = Date.UTC(2019, 2, 1, 8, 0, 0);
export const ACN_SIM_PERIOD_MS = 5 * 60_000;

function period(row: CsvRow, column: string): number {
  const p = requiredNumber(row, column);
  if (!Number.isInteger(p) || p < 0) throw new RowProblem(`${column} must be a whole number ≥ 0, got ${p}`);
  return ACN_SIM_START_MS + p * ACN_SIM_PERIOD_MS;
}

/** The period's instant; the rounded *_utc column, when present, must agree (a check on the flattening). */
function periodChecked(row: CsvRow, column: string, utcColumn: string): number {
  const t = period(row, column);
  const utc = row.get(utcColumn);
  if (utc !== '' && parseIsoInstant(utc) !== t) {
    throw new RowProblem(`${utcColumn} "${utc}" disagrees with ${column} (${new Date(t).toISOString()})`);
  }
  return t;
}

function readAcnSim(row: CsvRow): SimSession {
  const energyKwh = requiredNumber(row, 'requested_energy_kwh');
  return checkedSession({
    id: requiredText(row, 'session_id'),
    stationId: requiredText(row, 'station_id'),
    arrivalMs: periodChecked(row, 'arrival_period', 'arrival_utc'),
    departureMs: periodChecked(row, 'departure_period', 'departure_utc'),
    energyKwh,
    maxPowerKw: optionalNumber(row, 'max_power_kw'),
    estimatedDepartureMs:
      row.get('estimated_departure_period') === '' ? undefined : period(row, 'estimated_departure_period'),
  });
}

export const acnSimFormat: SessionFormatSpec = {
  format: 'acn-sim',
  delimiter: ',',
  columns: ['session_id', 'station_id', 'arrival_period', 'departure_period', 'requested_energy_kwh'],
  timeZone: 'America/Los_Angeles',
  createReader: () => ({ read: readAcnSim }),
};
