/**
 * The documented generic CSV: `session_id,station_id,arrival,departure,energy_kwh` plus optional
 * `max_power_kw` and `estimated_departure`; times are ISO 8601 with an offset (a bare local time is
 * refused: which zone it meant cannot be known).
 */
import type { CsvRow } from './csv-table.ts';
import {
  optionalInstant,
  optionalNumber,
  requiredInstant,
  requiredNumber,
  requiredText,
} from './row-fields.ts';
import type { SessionFormatSpec } from './session-format.ts';
import { checkedSession } from './session-format.ts';
import type { SimSession } from './sim-session.ts';

function readGeneric(row: CsvRow): SimSession {
  return checkedSession({
    id: requiredText(row, 'session_id'),
    stationId: requiredText(row, 'station_id'),
    arrivalMs: requiredInstant(row, 'arrival'),
    departureMs: requiredInstant(row, 'departure'),
    energyKwh: requiredNumber(row, 'energy_kwh'),
    maxPowerKw: optionalNumber(row, 'max_power_kw'),
    estimatedDepartureMs: optionalInstant(row, 'estimated_departure'),
  });
}

export const genericFormat: SessionFormatSpec = {
  format: 'generic',
  delimiter: ',',
  columns: ['session_id', 'station_id', 'arrival', 'departure', 'energy_kwh'],
  createReader: () => ({ read: readGeneric }),
};
