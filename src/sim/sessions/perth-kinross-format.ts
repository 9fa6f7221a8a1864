/**
 * Perth & Kinross Council charge sessions: "Start Date" looks like ISO ("2019-08-31T00:00:00") with the
 * time in its own column, local time Europe/London. Upstream bug: for days 1–12 the month and day are
 * swapped, so a stored YYYY-AA-BB with BB ≤ 12 is the date YYYY-BB-AA. This is the README's rule ("a
 * month outside Sep 2018–Aug 2019 means YYYY-DD-MM") applied to every affected date: the rule as
 * written also leaves e.g. 5 August (stored 2019-05-08) read as 8 May. The file is in reverse
 * chronological order by _id, and with this reading it is in order everywhere.
 */
import type { CsvRow } from './csv-table.ts';
import { dateAndTimeWall, dstNotes, dstTally, localSpan } from './local-span.ts';
import { requiredNumber, requiredText, RowProblem } from './row-fields.ts';
import type { RowReader, SessionFormatSpec } from './session-format.ts';
import { checkedSession } from './session-format.ts';
import type { SimSession } from './sim-session.ts';

const ZONE = 'Europe/London';
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})(?:T00:00:00(?:\.0+)?)?$/;

/** Wall ms of a stored date and time, and whether the day/month swap was undone. */
function wall(row: CsvRow, dateColumn: string, timeColumn: string): { wallMs: number; swapped: boolean } {
  let swapped = false;
  const wallMs = dateAndTimeWall(row, dateColumn, timeColumn, DATE_RE, 'yyyy-mm-ddT00:00:00', (d) => {
    const a = Number(d[2]);
    const b = Number(d[3]);
    swapped = b <= 12 && a !== b;
    return swapped ? [Number(d[1]), b, a] : [Number(d[1]), a, b];
  });
  return { wallMs, swapped };
}

function createPerthReader(): RowReader {
  let fixed = 0;
  const tally = dstTally();
  return {
    read(row: CsvRow): SimSession {
      if (row.get('End Date') === '' || row.get('End Time') === '') {
        throw new RowProblem('no end date/time (session has no departure)');
      }
      const start = wall(row, 'Start Date', 'Start Time');
      const end = wall(row, 'End Date', 'End Time');
      const cp = requiredText(row, 'CP ID');
      const connector = row.get('Connector');
      const site = row.get('Site');
      const s = checkedSession({
        id: requiredText(row, '_id'),
        stationId: cp,
        ...localSpan(ZONE, start.wallMs, end.wallMs, undefined, tally),
        energyKwh: requiredNumber(row, 'Total kWh'),
        portId: connector === '' ? undefined : `${cp}-${connector}`,
        siteId: site === '' ? undefined : site,
      });
      if (start.swapped || end.swapped) fixed++;
      return s;
    },
    fixedRows: () => fixed,
    notes: () => [
      ...dstNotes(tally, ZONE),
      `${fixed} imported rows had a date stored as YYYY-DD-MM (upstream day/month swap for days 1–12) and were read with day and month exchanged`,
    ],
  };
}

export const perthKinrossFormat: SessionFormatSpec = {
  format: 'perth-kinross',
  delimiter: ',',
  columns: ['_id', 'CP ID', 'Start Date', 'Start Time', 'End Date', 'End Time', 'Total kWh'],
  timeZone: ZONE,
  createReader: createPerthReader,
};
