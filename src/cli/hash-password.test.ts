import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runHashPassword } from './hash-password.ts';
import { loadSiteConfigText } from '../config/load.ts';

describe('fusebox hash-password', () => {
  it('prints a hash the configuration accepts, and refuses an empty password', async () => {
    const lines: string[] = [];
    expect(await runHashPassword(Readable.from(['a-station-password-123\n']), (l) => lines.push(l))).toBe(0);
    const hash = lines.at(-1)!;
    expect(hash).toMatch(/^scrypt\$/);
    const r = loadSiteConfigText(
      [
        'site: { timeZone: UTC }',
        'circuits: [{ id: c, limitA: 32 }]',
        `stations: [{ id: s1, circuit: c, securityProfile: 1, passwordHash: '${hash}' }]`,
      ].join('\n'),
      'site.yaml',
    );
    expect(r.ok).toBe(true);
    const empty: string[] = [];
    expect(await runHashPassword(Readable.from(['']), (l) => empty.push(l))).toBe(2);
    expect(empty[0]).toMatch(/standard input/);
  });
});
