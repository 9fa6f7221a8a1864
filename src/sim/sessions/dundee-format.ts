/**
 * Dundee City Council charge sessions: dates "dd/mm/yyyy" and times "HH:MM" in separate columns, local
 * time Europe/London. A charge point (CP ID) has numbered connectors; rows with no end are reported.
 */
import type { CsvRow } from './csv-table.ts';
import type { DstTally } from './local-span.ts';
import { dateAndTimeWall, dstTallyReader, localSpan } from './local-span.ts';
import { requiredNumber, requiredText, RowProblem } from './row-fields.ts';
import type { SessionFormatSpec } from './session-format.ts';
import { checkedSession } from './session-format.ts';
import type { SimSession } from './sim-session.ts';

const ZONE = 'Europe/London';
const DMY_RE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;

const wall = (row: CsvRow, dateColumn: string, timeColumn: string): number =>
  dateAndTimeWall(row, dateColumn, timeColumn, DMY_RE, 'dd/mm/yyyy', (d) => [
    Number(d[3]),
    Number(d[2]),
    Number(d[1]),
  ]);

function readDundee(row: CsvRow, tally: DstTally): SimSession {
  if (row.get('End Date') === '' || row.get('End Time') === '')
    throw new RowProblem('no end date/time (session has no departure)');
  const cp = requiredText(row, 'CP ID');
  const connector = row.get('Connector');
  const site = row.get('Site');
  return checkedSession({
    id: requiredText(row, 'Charging event'),
    stationId: cp,
    ...localSpan(
      ZONE,
      wall(row, 'Start Date', 'Start Time'),
      wall(row, 'End Date', 'End Time'),
      undefined,
      tally,
    ),
    energyKwh: requiredNumber(row, 'Total kWh'),
    portId: connector === '' ? undefined : `${cp}-${connector}`,
    siteId: site === '' ? undefined : site,
  });
}

export const dundeeFormat: SessionFormatSpec = {
  format: 'dundee',
  delimiter: ',',
  columns: ['Charging event', 'CP ID', 'Start Date', 'Start Time', 'End Date', 'End Time', 'Total kWh'],
  timeZone: ZONE,
  createReader: () => dstTallyReader(ZONE, readDundee),
};
