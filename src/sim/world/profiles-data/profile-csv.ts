/** Reading a profile CSV: the text of a file, and its rows, with file-and-line errors. */
import { readDataText } from '../../data-file.ts';
import type { CsvRow } from '../../sessions/csv-table.ts';
import { parseCsvTable } from '../../sessions/csv-table.ts';
import { ProfileFileError } from './power-profile.ts';

/** The text of a profile file (plain or gzipped); an unreadable file is a ProfileFileError naming it. */
export function readProfileText(path: string): string {
  try {
    return readDataText(path);
  } catch (err) {
    throw new ProfileFileError(`${path}: cannot read the profile file: ${(err as Error).message}`);
  }
}

/** Rows of a profile CSV that must have the given columns; a bad record or missing column throws. */
export function profileRows(text: string, source: string, columns: readonly string[]): readonly CsvRow[] {
  const table = parseCsvTable(text, ',');
  const first = table.problems[0];
  if (first) throw new ProfileFileError(`${source}: line ${first.line}: ${first.message}`);
  const have = new Set(table.header.map((h) => h.trim().toLowerCase()));
  for (const c of columns) {
    if (!have.has(c.toLowerCase()))
      throw new ProfileFileError(`${source}: line 1: no column "${c}" in the header`);
  }
  return table.rows;
}

/** A finite number ≥ min from a row, or a ProfileFileError naming the line and column. */
export function profileNumber(row: CsvRow, column: string, source: string, min = 0): number {
  const text = row.get(column);
  const v = text === '' ? Number.NaN : Number(text);
  if (!Number.isFinite(v) || v < min) {
    throw new ProfileFileError(
      `${source}: line ${row.line}: ${column} must be a number ≥ ${min}, got "${text}"`,
    );
  }
  return v;
}
