/**
 * Dundee City Council charge sessions: dates "dd/mm/yyyy" and times "HH:MM" in separate columns, local
 * time Europe/London. A charge point (CP ID) has numbered connectors; rows with no end are reported.
 */
import type { CsvRow } from './csv-table.ts';
import type { DstTally } from './local-span.ts';
import { dstTallyReader, localSpan, wallMsOf } from './local-span.ts';
import { requiredNumber, requiredText, RowProblem } from './row-fields.ts';
import type { SessionFormatSpec } from './session-format.ts';
import { checkedSession } from './session-format.ts';
import type { SimSession } from './sim-session.ts';

const ZONE = 'Europe/London';
const DMY_RE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;
const HM_RE = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/;

function wall(row: CsvRow, dateColumn: string, timeColumn: string): number {
  const date = requiredText(row, dateColumn);
  const time = requiredText(row, timeColumn);
  const d = DMY_RE.exec(date);
  const t = HM_RE.exec(time);
  if (!d) throw new RowProblem(`${dateColumn} is not a date "dd/mm/yyyy": "${date}"`);
  if (!t) throw new RowProblem(`${timeColumn} is not a time "HH:MM": "${time}"`);
  const w = wallMsOf(Number(d[3]), Number(d[2]), Number(d[1]), Number(t[1]), Number(t[2]), Number(t[3] ?? 0));
  if (w === null)
    throw new RowProblem(`${dateColumn} ${timeColumn} is not a real date and time: "${date} ${time}"`);
  return w;
}

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
