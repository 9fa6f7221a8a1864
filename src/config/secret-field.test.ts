import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from './check.ts';
import { formatProblem } from './config-problem.ts';
import { loadSiteConfigText } from './load.ts';
import { secretKeyNames } from './secret-field.ts';

// A real scrypt hash shape (the schema checks the shape only).
const HASH = 'scrypt$16384$8$1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2g=';
const TOKEN = 'tok-3f9a1c2e7b5d4a60';

const site = (http: string, station: string): string => `site: { timeZone: Europe/Paris }
http:
${http}
circuits:
  - { id: main, limitA: 63 }
stations:
  - id: CP1
    circuit: main
    ${station}
`;

describe('secrets outside the site file', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'fusebox-secrets-'));
    writeFileSync(join(dir, 'token.txt'), `${TOKEN}\n`);
    writeFileSync(join(dir, 'hash.txt'), `${HASH}\r\n`);
    writeFileSync(join(dir, 'short.txt'), 'short-secret\n');
    writeFileSync(join(dir, 'empty.txt'), '\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const load = (text: string, env: NodeJS.ProcessEnv = {}) => loadSiteConfigText(text, 'site.yaml', dir, env);
  const lines = (r: ReturnType<typeof load>): string[] => r.problems.map(formatProblem);

  it('declares every secret key of the schema', () => {
    expect([...secretKeyNames()]).toEqual(expect.arrayContaining(['metricsToken', 'passwordHash']));
  });

  it('reads <key>File relative to the site file, trailing newline trimmed', () => {
    const r = load(site('  metricsTokenFile: token.txt', 'passwordHashFile: hash.txt'));
    expect(lines(r)).toEqual([]);
    if (!r.ok) throw new Error('not ok');
    expect(r.config.http.metricsToken).toBe(TOKEN);
    expect(r.config.stations[0]!.passwordHash).toBe(HASH);
    // The reference keys are gone from the loaded config: only the secret key is left.
    expect(Object.keys(r.config.http)).not.toContain('metricsTokenFile');
  });

  it('reads an absolute <key>File too', () => {
    const r = load(site(`  metricsTokenFile: ${join(dir, 'token.txt')}`, 'passwordHash: ' + HASH));
    expect(r.ok && r.config.http.metricsToken).toBe(TOKEN);
  });

  it('reads <key>Env from the environment', () => {
    const r = load(site('  metricsTokenEnv: FUSEBOX_TEST_TOKEN', 'passwordHashEnv: FUSEBOX_TEST_HASH'), {
      FUSEBOX_TEST_TOKEN: TOKEN,
      FUSEBOX_TEST_HASH: HASH,
    });
    expect(lines(r)).toEqual([]);
    expect(r.ok && r.config.http.metricsToken).toBe(TOKEN);
    expect(r.ok && r.config.stations[0]!.passwordHash).toBe(HASH);
  });

  it('names the key, file, line and column of a missing file', () => {
    const r = load(site('  metricsTokenFile: nowhere.txt', `passwordHash: '${HASH}'`));
    expect(r.ok).toBe(false);
    expect(lines(r)).toEqual([
      `site.yaml:3:21  http.metricsTokenFile  cannot read the secret of http.metricsToken from 'nowhere.txt' (${join(dir, 'nowhere.txt')}): no such file`,
    ]);
  });

  it('names an unset or empty environment variable', () => {
    const unset = load(site('  metricsTokenEnv: FUSEBOX_NOT_SET', `passwordHash: '${HASH}'`));
    expect(lines(unset)).toEqual([
      'site.yaml:3:20  http.metricsTokenEnv  the environment variable FUSEBOX_NOT_SET (the secret of http.metricsToken) is not set',
    ]);
    const empty = load(site('  metricsTokenEnv: FUSEBOX_EMPTY', `passwordHash: '${HASH}'`), {
      FUSEBOX_EMPTY: '',
    });
    expect(lines(empty)).toEqual([
      'site.yaml:3:20  http.metricsTokenEnv  the environment variable FUSEBOX_EMPTY (the secret of http.metricsToken) is empty',
    ]);
  });

  it('refuses an empty file and a variable name that is not one', () => {
    const r = load(site('  metricsTokenFile: empty.txt', 'passwordHashEnv: "not a name"'));
    expect(lines(r)).toEqual([
      `site.yaml:3:21  http.metricsTokenFile  the secret file 'empty.txt' (${join(dir, 'empty.txt')}) of http.metricsToken is empty`,
      'site.yaml:9:22  stations[0].passwordHashEnv  expected the name of an environment variable (letters, digits and _, not starting with a digit)',
    ]);
  });

  it('refuses two sources of one secret, at the second one', () => {
    const r = load(
      site(`  metricsToken: ${TOKEN}\n  metricsTokenFile: token.txt`, 'passwordHashFile: hash.txt'),
      {},
    );
    expect(lines(r)).toEqual([
      'site.yaml:4:3  http.metricsTokenFile  give one of metricsToken, metricsTokenFile or metricsTokenEnv, not several',
    ]);
  });

  it('checks the secret it read like a written one, at the reference, without printing it', () => {
    const r = load(site('  metricsTokenFile: short.txt', `passwordHashEnv: FUSEBOX_BAD_HASH`), {
      FUSEBOX_BAD_HASH: 'hunter2-not-a-hash',
    });
    const text = lines(r).join('\n');
    expect(lines(r)).toEqual([
      'site.yaml:3:21  http.metricsTokenFile  use at least 16 characters (the secret read from http.metricsTokenFile)',
      'site.yaml:9:22  stations[0].passwordHashEnv  expected a hash from `npx fusebox hash-password` (scrypt$...) (the secret read from stations[0].passwordHashEnv)',
    ]);
    expect(text).not.toContain('short-secret');
    expect(text).not.toContain('hunter2');
  });

  it('leaves File and Env references unread when the loader reads no files (user, simulate)', () => {
    const r = loadSiteConfigText(
      site('  metricsTokenFile: nowhere.txt', 'passwordHashEnv: UNSET_ANYWAY'),
      'x',
    );
    expect(lines(r)).toEqual([]);
    expect(r.ok && r.config.http.metricsToken).toBeUndefined();
  });

  it('fusebox check reads the secrets and never prints them', () => {
    const path = join(dir, 'site.yaml');
    writeFileSync(path, site('  metricsTokenFile: token.txt', 'passwordHashFile: hash.txt'));
    const out: string[] = [];
    expect(runCheck(path, (l) => out.push(l))).toBe(0);
    expect(out.join('\n')).not.toContain(TOKEN);
    expect(out.join('\n')).not.toContain(HASH);

    // A directory where the file should be: named, with the site file's position.
    writeFileSync(path, site('  metricsTokenFile: .', 'passwordHashFile: hash.txt'));
    const bad: string[] = [];
    expect(runCheck(path, (l) => bad.push(l))).toBe(2);
    expect(bad[0]).toBe(
      `${path}:3:21  http.metricsTokenFile  cannot read the secret of http.metricsToken from '.' (${dir}): this is a directory, not a file`,
    );
  });
});
