import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectFormat } from './detect-format.ts';
import { importSessionsFile, importSessionsText, SessionFileError } from './import-sessions.ts';

const FIXTURES: Record<string, string> = {
  'acn-data.csv': 'acn-data',
  'acn-sim.csv': 'acn-sim',
  'trondheim.csv': 'norway-trondheim',
  'norway-12.csv': 'norway-12',
  'dundee.csv': 'dundee',
  'perth-kinross.csv': 'perth-kinross',
  'fusebox.csv': 'fusebox',
  'generic.csv': 'generic',
};
const read = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

describe('format detection', () => {
  it.each(Object.entries(FIXTURES))('%s is detected as %s from its header', (file, format) => {
    expect(detectFormat(read(file))?.format).toBe(format);
  });

  it('the file name plays no part: a generic file named like ACN data is still generic', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fusebox-sessions-'));
    const path = join(dir, 'acn_caltech_2019-05-01_2019-08-31.csv');
    writeFileSync(path, read('generic.csv'));
    const r = importSessionsFile(path);
    expect(r.format).toBe('generic');
    expect(r.sessions).toHaveLength(3);
  });

  it('columns in another order and header case still match', () => {
    const text =
      'ENERGY_KWH,Departure,Arrival,Station_ID,Session_ID\n3,2026-01-01T10:00:00Z,2026-01-01T09:00:00Z,A,x\n';
    const r = importSessionsText(text);
    expect(r.format).toBe('generic');
    expect(r.sessions[0]).toMatchObject({ id: 'x', stationId: 'A', energyKwh: 3 });
  });

  it('an unknown header is an error naming the file, line 1 and the formats it could be', () => {
    const err = (() => {
      try {
        importSessionsText('when,where,kwh\n2026-01-01,A,3\n', { fileName: 'mystery.csv' });
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(SessionFileError);
    expect((err as Error).message).toMatch(
      /^mystery\.csv: line 1: header "when,where,kwh" matches no session format/,
    );
    expect((err as Error).message).toMatch(/generic \(session_id,station_id,arrival,departure,energy_kwh\)/);
  });

  it('a missing file is an error naming the path', () => {
    expect(() => importSessionsFile('/nonexistent/sessions.csv')).toThrow(
      /^\/nonexistent\/sessions\.csv: cannot read/,
    );
  });

  it('a header-only file gives no sessions and no problems', () => {
    const r = importSessionsText('session_id,station_id,arrival,departure,energy_kwh\r\n');
    expect(r).toMatchObject({ format: 'generic', sessions: [], problems: [], fixedRows: 0 });
  });

  it('an unterminated quote is reported with its line; the rows before it are kept', () => {
    const text = [
      'session_id,station_id,arrival,departure,energy_kwh',
      'a,S,2026-01-01T09:00:00Z,2026-01-01T10:00:00Z,1',
      'b,"S,2026-01-01T09:00:00Z,2026-01-01T10:00:00Z,1',
      'c,S,2026-01-01T09:00:00Z,2026-01-01T10:00:00Z,1',
    ].join('\n');
    const r = importSessionsText(text);
    expect(r.sessions.map((s) => s.id)).toEqual(['a']);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]!.message).toMatch(/^unreadable CSV record: Quote Not Closed/);
    expect(r.problems[0]!.line).toBeGreaterThanOrEqual(3);
  });
});
