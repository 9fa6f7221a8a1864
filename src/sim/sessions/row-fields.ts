/** Reading typed fields out of a CSV row; any malformed field throws a RowProblem naming the column. */
import type { CsvRow } from './csv-table.ts';

/** A reason to skip one row; the importer records it with the row's line number. */
export class RowProblem extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RowProblem';
  }
}

/** An optional field: undefined when empty or "NA" (how the Norwegian files write a missing value). */
export function optionalField(row: CsvRow, column: string): string | undefined {
  const v = row.get(column);
  return v === '' || v.toUpperCase() === 'NA' ? undefined : v;
}

/** A required text field. */
export function requiredText(row: CsvRow, column: string): string {
  const v = row.get(column);
  if (v === '') throw new RowProblem(`missing ${column}`);
  return v;
}

const DECIMAL_POINT_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const DECIMAL_COMMA_RE = /^[+-]?(\d+,?\d*|,\d+)$/;

/** A required number; `decimalComma` reads "19,96" as 19.96 (the Norwegian files). */
export function requiredNumber(row: CsvRow, column: string, decimalComma = false): number {
  const text = requiredText(row, column);
  const ok = decimalComma
    ? DECIMAL_COMMA_RE.test(text) || DECIMAL_POINT_RE.test(text)
    : DECIMAL_POINT_RE.test(text);
  if (!ok) throw new RowProblem(`${column} is not a number: "${text}"`);
  return Number(decimalComma ? text.replace(',', '.') : text);
}

/**
 * A stated duration in hours (decimal comma allowed), in ms; undefined where optionalField finds none. The
 * Norwegian files give one to settle a time in the repeated DST hour (localSpan).
 */
export function optionalHoursMs(row: CsvRow, column: string): number | undefined {
  return optionalField(row, column) === undefined ? undefined : requiredNumber(row, column, true) * 3_600_000;
}

/** An optional number: undefined when the field is empty or absent. */
export function optionalNumber(row: CsvRow, column: string, decimalComma = false): number | undefined {
  return row.get(column) === '' ? undefined : requiredNumber(row, column, decimalComma);
}

const ISO_RE =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?\s?(Z|[+-]\d{2}(?::?\d{2})?)$/i;

/** Epoch ms of an ISO 8601 date-time that carries its offset ("Z" or ±HH:MM), or null when malformed. */
export function parseIsoInstant(text: string): number | null {
  const m = ISO_RE.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = s === undefined ? 0 : Number(s);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  if (new Date(wall).getUTCDate() !== day) return null; // 2019-02-30 and the like
  const ms = frac === undefined ? 0 : Math.round(Number(`0${frac}`) * 1000);
  let offsetMin = 0;
  if (zone !== undefined && zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    offsetMin = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0'));
  }
  return wall + ms - offsetMin * 60_000;
}

/** A required ISO 8601 instant with offset. */
export function requiredInstant(row: CsvRow, column: string): number {
  const text = requiredText(row, column);
  const t = parseIsoInstant(text);
  if (t === null) throw new RowProblem(`${column} is not an ISO 8601 date-time with offset: "${text}"`);
  return t;
}

/** An optional ISO 8601 instant: undefined when empty. */
export function optionalInstant(row: CsvRow, column: string): number | undefined {
  return row.get(column) === '' ? undefined : requiredInstant(row, column);
}
