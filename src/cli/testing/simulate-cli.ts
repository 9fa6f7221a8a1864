/**
 * The fixture of the `fusebox simulate` tests (simulate*.test.ts): a temporary folder (removed after the file's
 * tests), the session files they read, and the command run with its output collected.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { runSimulate } from '../simulate.ts';

/** A temporary folder with the session files; call it at the top of a test file. */
export function simulateFixture(): { dir: string; SESSIONS: string; FOREIGN: string; SMALL: string } {
  const dir = mkdtempSync(join(tmpdir(), 'fusebox-simulate-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // Generic CSV (docs/simulate.md): six sessions on three stations, one malformed row (line 8).
  const SESSIONS = writeCsv(dir, 'sessions.csv', [
    'session_id,station_id,arrival,departure,energy_kwh,max_power_kw',
    'a,S1,2024-05-06T08:00:00Z,2024-05-06T12:00:00Z,20,7.2',
    'b,S2,2024-05-06T08:10:00Z,2024-05-06T10:00:00Z,9,7.2',
    'c,S3,2024-05-06T09:00:00Z,2024-05-06T17:00:00Z,30,11',
    'd,S1,2024-05-06T12:30:00Z,2024-05-06T16:00:00Z,12,7.2',
    'e,S2,2024-05-06T10:15:00Z,2024-05-06T18:00:00Z,25,7.2',
    'f,S3,not-a-time,2024-05-06T18:00:00Z,25,7.2',
    'g,S2,2024-05-06T18:15:00Z,2024-05-06T19:00:00Z,3,7.2',
  ]);

  // Eight cars of another site (stations the site file does not have) all plugged in from 08:00 to 12:00.
  const FOREIGN = writeCsv(dir, 'foreign.csv', [
    'session_id,station_id,arrival,departure,energy_kwh,max_power_kw',
    ...Array.from(
      { length: 8 },
      (_, i) => `f${i},home-${i},2024-05-06T08:0${i}:00Z,2024-05-06T12:00:00Z,${5 + i},7.4`,
    ),
  ]);
  const SMALL = new URL('../../../examples/small.yaml', import.meta.url).pathname;
  return { dir, SESSIONS, FOREIGN, SMALL };
}

/** Writes `lines` as the CSV file `name` in `dir`; returns its path. */
export function writeCsv(dir: string, name: string, lines: readonly string[]): string {
  const path = join(dir, name);
  writeFileSync(path, lines.join('\n'));
  return path;
}

export async function cli(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runSimulate(
    args,
    (l) => out.push(l),
    (l) => err.push(l),
  );
  return { code, out, err };
}

/** The report `--json` prints as the command's last line, parsed (the caller names the fields it reads). */
export function jsonReport<T>(out: readonly string[]): T {
  return JSON.parse(out.at(-1)!) as T;
}
