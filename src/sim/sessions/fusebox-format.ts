/**
 * Fusebox's own session export (`GET /api/v1/sessions.csv`): ISO instants with offset, energy in kWh.
 * Sessions still running (no stoppedAt) have no departure and are reported. The export defuses text that
 * looks like a spreadsheet formula by prefixing "'"; that prefix is removed again here.
 */
import type { CsvRow } from './csv-table.ts';
import { requiredInstant, requiredNumber, requiredText, RowProblem } from './row-fields.ts';
import type { SessionFormatSpec } from './session-format.ts';
import { checkedSession } from './session-format.ts';
import type { SimSession } from './sim-session.ts';

/** Undoes the export's formula defusing ('=x → =x). */
function undefused(text: string): string {
  return /^'[=+\-@]/.test(text) ? text.slice(1) : text;
}

function readFusebox(row: CsvRow): SimSession {
  if (row.get('stoppedAt') === '')
    throw new RowProblem('session still active (no stoppedAt): no departure to replay');
  const portId = undefused(row.get('portId'));
  return checkedSession({
    id: undefused(requiredText(row, 'id')),
    stationId: undefused(requiredText(row, 'stationId')),
    arrivalMs: requiredInstant(row, 'startedAt'),
    departureMs: requiredInstant(row, 'stoppedAt'),
    energyKwh: requiredNumber(row, 'energyKwh'),
    portId: portId === '' ? undefined : portId,
  });
}

export const fuseboxFormat: SessionFormatSpec = {
  format: 'fusebox',
  delimiter: ',',
  columns: ['id', 'stationId', 'portId', 'startedAt', 'stoppedAt', 'energyKwh'],
  createReader: () => ({ read: readFusebox }),
};
