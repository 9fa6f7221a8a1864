import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyStationPassword } from '../ocpp/password-hash.ts';
import { openStore } from '../store/store.ts';
import { runUser } from './user.ts';

let dir = '';
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});

async function run(args: string[], stdin = ''): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const code = await runUser(args, Readable.from([stdin]), (l) => lines.push(l));
  return { code, out: lines.join('\n') };
}

describe('fusebox user', () => {
  it('adds, lists, changes the password of and removes an account in the store of a site file', async () => {
    dir = mkdtempSync(join(tmpdir(), 'fusebox-user-'));
    const db = join(dir, 'site.db');
    const site = join(dir, 'site.yaml');
    writeFileSync(
      site,
      `site: { timeZone: Europe/Paris }\nstore: { path: ${db} }\ncircuits: [{ id: main, limitA: 63 }]\n`,
    );
    expect(await run(['add', 'alice', '--role', 'operator', '--config', site], 'correct horse\n')).toEqual({
      code: 0,
      out: `added alice (operator) to ${db}`,
    });
    expect((await run(['add', 'alice', '--config', site], 'another one')).code).toBe(2);
    expect((await run(['list', '--config', site])).out).toMatch(/^alice\toperator\tcreated 20/);
    expect((await run(['passwd', 'alice', '--store', db], 'battery staple')).code).toBe(0);
    const store = openStore(db, { writer: 'inline' });
    const hash = store.api.accounts.find('alice')!.passwordHash;
    await store.close();
    expect(hash).toMatch(/^scrypt\$/);
    expect(await verifyStationPassword(Buffer.from('battery staple'), hash)).toBe(true);
    expect(await verifyStationPassword(Buffer.from('correct horse'), hash)).toBe(false);
    expect((await run(['remove', 'alice', '--store', db])).code).toBe(0);
    expect((await run(['list', '--store', db])).out).toBe(`no accounts in ${db}`);
  });

  it('refuses a short password, a bad role, a bad name and an unknown action, saying what is wrong', async () => {
    dir = mkdtempSync(join(tmpdir(), 'fusebox-user-'));
    const db = join(dir, 'x.db');
    const short = await run(['add', 'bob', '--store', db], 'short');
    expect(short.code).toBe(2);
    expect(short.out).toMatch(/at least 8 characters/);
    const role = await run(['add', 'bob', '--role', 'admin', '--store', db], 'long enough');
    expect(role.code).toBe(2);
    expect(role.out).toMatch(/--role is viewer or operator/);
    expect((await run(['add', 'bad name', '--store', db], 'long enough')).out).toMatch(/not a user name/);
    expect((await run(['frobnicate', '--store', db])).out).toMatch(/^Usage:/);
    expect((await run(['passwd', 'nobody', '--store', db], 'long enough')).out).toMatch(
      /no account 'nobody'/,
    );
  });
});
