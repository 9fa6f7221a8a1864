// Gzipped data files (datasets/*.csv.gz) read like plain ones by every loader; a broken one is a clear error.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readProfileText } from './world/profiles-data/profile-csv.ts';
import { loadTariffFile } from './world/profiles-data/tariff-file.ts';
import { importSessionsFile } from './sessions/import-sessions.ts';

const dir = mkdtempSync(join(tmpdir(), 'fusebox-data-file-'));
const fixture = (name: string): string =>
  readFileSync(new URL(`./sessions/fixtures/${name}`, import.meta.url), 'utf8');

function writeBoth(name: string, text: string): { plain: string; gz: string } {
  const plain = join(dir, name);
  const gz = `${plain}.gz`;
  writeFileSync(plain, text);
  writeFileSync(gz, gzipSync(Buffer.from(text, 'utf8')));
  return { plain, gz };
}

describe('gzipped data files', () => {
  it('a session file reads the same gzipped as plain', () => {
    const { plain, gz } = writeBoth('acn-sim.csv', fixture('acn-sim.csv'));
    const a = importSessionsFile(plain);
    const b = importSessionsFile(gz);
    expect(a.sessions.length).toBeGreaterThan(0);
    expect(b.format).toBe(a.format);
    expect(b.sessions).toEqual(a.sessions);
    expect(b.problems).toEqual(a.problems);
  });

  it('a profile file reads the same gzipped as plain', () => {
    const text = 'Date/Time,kW\n 01/01  01:00:00,1.5\n';
    const { gz } = writeBoth('profile.csv', text);
    expect(readProfileText(gz)).toBe(text);
  });

  it('a tariff file reads the same gzipped as plain', () => {
    const json = JSON.stringify({
      name: 'flat',
      schedule: [
        {
          id: 'all',
          effective_start: '01-01',
          effective_end: '12-31',
          dow_mask: 'ALL',
          times: [0],
          tariffs: [0.1],
          demand_charge: 0,
        },
      ],
    });
    const { plain, gz } = writeBoth('tariff.json', json);
    expect(loadTariffFile(gz, 'UTC')).toEqual(loadTariffFile(plain, 'UTC'));
  });

  it('a broken gzip file is an error naming the file, for each loader', () => {
    const bad = join(dir, 'broken.csv.gz');
    writeFileSync(bad, Buffer.concat([gzipSync(Buffer.from('a,b\n1,2\n')).subarray(0, 12)]));
    expect(() => importSessionsFile(bad)).toThrow(/broken\.csv\.gz.*cannot read.*gzip/);
    expect(() => readProfileText(bad)).toThrow(/broken\.csv\.gz: cannot read.*gzip/);
    expect(() => loadTariffFile(bad, 'UTC')).toThrow(/broken\.csv\.gz: cannot read.*gzip/);
  });
});
