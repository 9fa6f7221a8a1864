import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from './store.ts';

let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('a crash (kill -9)', () => {
  it('loses nothing whose write had resolved', async () => {
    dir = mkdtempSync(join(tmpdir(), 'fusebox-crash-'));
    const dbPath = join(dir, 'fusebox.db');
    const script = fileURLToPath(new URL('./testing/crash-writer.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, dbPath], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const acked: number[] = [];
    let buffer = '';
    await new Promise<void>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', (code) => reject(new Error(`writer exited early (${code})`)));
      child.stdout.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        const lines = buffer.split('\n');
        buffer = lines.pop()!;
        for (const line of lines) acked.push(Number(line.split(' ')[1]));
        if (acked.length >= 300) {
          child.removeAllListeners('exit');
          child.kill('SIGKILL');
          child.once('exit', () => resolve());
        }
      });
    });
    const store = openStore(dbPath);
    const ids = new Set(
      (store.db.prepare('SELECT session_id FROM sessions').all() as { session_id: number }[]).map(
        (r) => r.session_id,
      ),
    );
    const missing = acked.filter((id) => !ids.has(id));
    expect(missing).toEqual([]);
    const meters = store.db.prepare('SELECT COUNT(*) AS n FROM meter_values').get() as { n: number };
    expect(meters.n).toBeGreaterThanOrEqual(acked.length);
    await store.close();
  }, 60_000);
});
