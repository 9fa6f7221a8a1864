/**
 * Norway, 12 locations (Sørensen et al. 2024): semicolon-separated, decimal comma, quoted text, local
 * times "yyyy-mm-dd HH:MM:SS" in Europe/Oslo. Each user_id is a parking space with its own charge point.
 * connection_time (hours) settles DST-ambiguous readings.
 */
import type { CsvRow } from './csv-table.ts';
import type { DstTally } from './local-span.ts';
import { dstTallyReader, localSpan, wallMsOf } from './local-span.ts';
import { optionalField, optionalHoursMs, requiredNumber, requiredText, RowProblem } from './row-fields.ts';
import type { SessionFormatSpec } from './session-format.ts';
import { checkedSession } from './session-format.ts';
import type { SimSession } from './sim-session.ts';

const ZONE = 'Europe/Oslo';
const YMD_HMS_RE = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/;

function wall(row: CsvRow, column: string): number {
  const text = optionalField(row, column);
  if (text === undefined) throw new RowProblem(`no ${column} (empty or NA): the session has no time there`);
  const m = YMD_HMS_RE.exec(text);
  const w = m
    ? wallMsOf(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0))
    : null;
  if (w === null) throw new RowProblem(`${column} is not a date "yyyy-mm-dd HH:MM:SS": "${text}"`);
  return w;
}

function readNorway12(row: CsvRow, tally: DstTally): SimSession {
  const span = localSpan(
    ZONE,
    wall(row, 'plugin_time'),
    wall(row, 'plugout_time'),
    optionalHoursMs(row, 'connection_time'),
    tally,
  );
  return checkedSession({
    id: requiredText(row, 'session_id'),
    stationId: requiredText(row, 'user_id'),
    ...span,
    energyKwh: requiredNumber(row, 'energy_session', true),
    siteId: requiredText(row, 'location'),
  });
}

export const norway12Format: SessionFormatSpec = {
  format: 'norway-12',
  delimiter: ';',
  columns: ['location', 'user_id', 'session_id', 'plugin_time', 'plugout_time', 'energy_session'],
  timeZone: ZONE,
  createReader: () => dstTallyReader(ZONE, readNorway12),
};
