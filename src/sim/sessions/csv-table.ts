/** A CSV file as a header and rows that know their 1-based line numbers (csv-parse underneath). */
import { parse } from 'csv-parse/sync';
import type { ImportProblem } from './sim-session.ts';

/** One data row: fields by header name (trimmed; '' when the row is short). */
export interface CsvRow {
  /** 1-based line where the record starts. */
  readonly line: number;
  /** The trimmed field under a header (matched case-insensitively), '' when absent or empty. */
  get(column: string): string;
}

export interface CsvTable {
  /** Header names as written (trimmed, quotes removed). */
  readonly header: readonly string[];
  readonly rows: readonly CsvRow[];
  /** Records csv-parse could not read (bad quoting), with their lines. */
  readonly problems: readonly ImportProblem[];
}

interface ParsedRecord {
  readonly record: string[];
  readonly raw: string;
  readonly info: { readonly lines: number };
}

/** Header key: case- and space-insensitive so `Start Date` and `start date` are the same column. */
export function columnKey(name: string): string {
  return name.trim().toLowerCase();
}

/** The first line of a text, without BOM, split on `delimiter` with surrounding quotes removed. */
export function headerOf(text: string, delimiter: string): string[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const end = body.search(/\r?\n|\r/);
  const first = end < 0 ? body : body.slice(0, end);
  return first.split(delimiter).map((f) =>
    f
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .trim(),
  );
}

/** Line where a record starts: its end line minus the line breaks inside it. */
function startLine(rec: ParsedRecord): number {
  const inner = rec.raw.replace(/^\n+/, '').replace(/\n$/, '');
  let breaks = 0;
  for (let i = inner.indexOf('\n'); i >= 0; i = inner.indexOf('\n', i + 1)) breaks++;
  return rec.info.lines - breaks;
}

/** Parses CSV text (BOM, CRLF, quoted fields, ragged rows) into a header and rows. */
export function parseCsvTable(text: string, delimiter: ',' | ';'): CsvTable {
  // csv-parse counts lines wrongly with CRLF inside quotes; line breaks inside fields do not matter here.
  const normalised = text.replace(/\r\n?/g, '\n');
  const problems: ImportProblem[] = [];
  const records = parse(normalised, {
    bom: true,
    delimiter,
    info: true,
    raw: true,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_skip: (err) => {
      const line = err && typeof err.lines === 'number' ? err.lines : 0;
      const why = err ? err.message.replace(/ at line \d+/, '') : 'unreadable record';
      problems.push({ line, message: `unreadable CSV record: ${why}` });
      return undefined;
    },
  }) as unknown as ParsedRecord[];
  const [head, ...body] = records;
  const header = head ? head.record.map((h) => h.trim()) : [];
  const index = new Map<string, number>();
  header.forEach((h, i) => {
    const key = columnKey(h);
    if (!index.has(key)) index.set(key, i); // first wins, also for unnamed ('') columns
  });
  const rows = body.map((rec): CsvRow => {
    const fields = rec.record;
    return {
      line: startLine(rec),
      get: (column) => {
        const i = index.get(columnKey(column));
        return i === undefined ? '' : (fields[i] ?? '').trim();
      },
    };
  });
  return { header, rows, problems };
}
