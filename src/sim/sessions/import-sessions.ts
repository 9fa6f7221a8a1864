/** Imports a session file of any supported format: detects the format, reads rows, reports bad ones. */
import { readDataText } from '../data-file.ts';
import { parseCsvTable } from './csv-table.ts';
import { detectFormat, FORMAT_SPECS } from './detect-format.ts';
import { RowProblem } from './row-fields.ts';
import type { ImportProblem, ImportResult, SimSession } from './sim-session.ts';
import { SessionFileError } from './sim-session.ts';

const MAX_HEADER_SHOWN = 160;

/** Imports sessions from CSV text, detecting the format from its header row. */
export function importSessionsText(text: string, opts: { fileName?: string } = {}): ImportResult {
  const fileName = opts.fileName ?? '<text>';
  const spec = detectFormat(text);
  if (spec === null) {
    const firstLine = text.replace(/^\uFEFF/, '').split(/\r?\n|\r/, 1)[0] ?? '';
    const shown =
      firstLine.length > MAX_HEADER_SHOWN ? `${firstLine.slice(0, MAX_HEADER_SHOWN)}…` : firstLine;
    const known = FORMAT_SPECS.map((s) => `${s.format} (${s.columns.join(s.delimiter)})`).join('; ');
    throw new SessionFileError(
      fileName,
      `line 1: header "${shown}" matches no session format; expected the columns of one of: ${known}`,
    );
  }
  const table = parseCsvTable(text, spec.delimiter);
  const reader = spec.createReader();
  const sessions: SimSession[] = [];
  const problems: ImportProblem[] = [...table.problems];
  const firstLineOfId = new Map<string, number>();
  for (const row of table.rows) {
    try {
      const s = reader.read(row);
      const seen = firstLineOfId.get(s.id);
      if (seen !== undefined) throw new RowProblem(`duplicate session id "${s.id}" (first at line ${seen})`);
      firstLineOfId.set(s.id, row.line);
      sessions.push(s);
    } catch (err) {
      if (!(err instanceof RowProblem)) throw err;
      problems.push({ line: row.line, message: err.message });
    }
  }
  problems.sort((a, b) => a.line - b.line);
  return {
    format: spec.format,
    sessions,
    problems,
    ...(spec.timeZone === undefined ? {} : { timeZone: spec.timeZone }),
    fixedRows: reader.fixedRows?.() ?? 0,
    notes: reader.notes?.() ?? [],
  };
}

/** Imports sessions from a file (UTF-8, plain or gzipped), detecting the format from its content. */
export function importSessionsFile(path: string): ImportResult {
  let text: string;
  try {
    text = readDataText(path);
  } catch (err) {
    throw new SessionFileError(path, `cannot read the session file: ${(err as Error).message}`);
  }
  return importSessionsText(text, { fileName: path });
}

export type { ImportProblem, ImportResult, SessionFormat, SimSession } from './sim-session.ts';
export { SessionFileError } from './sim-session.ts';
