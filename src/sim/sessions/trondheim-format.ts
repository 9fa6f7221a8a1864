/**
 * Trondheim residential garages (Sørensen et al. 2021): semicolon-separated, decimal comma, local times
 * "dd.mm.yyyy HH:MM" in Europe/Oslo. A private user has their own charge point (User_ID); shared charge
 * points are named by Shared_ID. Duration_hours (from the precise times) settles DST-ambiguous readings.
 */
import type { CsvRow } from './csv-table.ts';
import type { DstTally } from './local-span.ts';
import { dstTallyReader, localSpan, wallMsOf } from './local-span.ts';
import { optionalField, optionalHoursMs, requiredNumber, requiredText, RowProblem } from './row-fields.ts';
import type { SessionFormatSpec } from './session-format.ts';
import { checkedSession } from './session-format.ts';
import type { SimSession } from './sim-session.ts';

const ZONE = 'Europe/Oslo';
const DMY_HM_RE = /^(\d{1,2})\.(\d{1,2})\.(\d{4}) (\d{1,2}):(\d{2})$/;

function wall(row: CsvRow, column: string): number {
  const text = optionalField(row, column);
  if (text === undefined) throw new RowProblem(`no ${column} (empty or NA): the session has no time there`);
  const m = DMY_HM_RE.exec(text);
  const w = m ? wallMsOf(Number(m[3]), Number(m[2]), Number(m[1]), Number(m[4]), Number(m[5])) : null;
  if (w === null) throw new RowProblem(`${column} is not a date "dd.mm.yyyy HH:MM": "${text}"`);
  return w;
}

function readTrondheim(row: CsvRow, tally: DstTally): SimSession {
  const shared = row.get('User_type').toLowerCase() === 'shared';
  const sharedId = row.get('Shared_ID');
  const stationId = shared && sharedId !== '' && sharedId !== 'NA' ? sharedId : requiredText(row, 'User_ID');
  const span = localSpan(
    ZONE,
    wall(row, 'Start_plugin'),
    wall(row, 'End_plugout'),
    optionalHoursMs(row, 'Duration_hours'),
    tally,
  );
  return checkedSession({
    id: requiredText(row, 'session_ID'),
    stationId,
    ...span,
    energyKwh: requiredNumber(row, 'El_kWh', true),
    siteId: requiredText(row, 'Garage_ID'),
  });
}

export const trondheimFormat: SessionFormatSpec = {
  format: 'norway-trondheim',
  delimiter: ';',
  columns: ['session_ID', 'Garage_ID', 'User_ID', 'Start_plugin', 'End_plugout', 'El_kWh'],
  timeZone: ZONE,
  createReader: () => dstTallyReader(ZONE, readTrondheim),
};
