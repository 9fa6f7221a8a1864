/**
 * Stored operator limits apply from the first allocation after a start: stations may connect before the
 * HTTP API (which also re-applies them) is up, and must not be allocated against the site file alone.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loopbackSite, startTestFusebox } from './testing/test-fusebox.ts';
import type { Fusebox } from './app.ts';

const SITE = `${loopbackSite('{ name: startup limits, timeZone: Europe/Amsterdam }')}circuits:
  - { id: main, kind: grid, limitA: 63 }
  - { id: left, parent: main, limitA: 32 }
  - { id: right, parent: main, limitA: 32 }
stations:
  - { id: st-1, circuit: left }
  - { id: st-2, circuit: right }
`;

const dir = mkdtempSync(join(tmpdir(), 'fusebox-startup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function start(coalesceMs: number): Promise<Fusebox> {
  return startTestFusebox(SITE, dir, {
    control: { coalesceMs },
  });
}

describe('stored overrides and dashboard schedules at start', () => {
  it('are in force in the first allocation, before any later run', async () => {
    const first = await start(20);
    await first.store.api.overrides.add(
      { circuitId: 'left', limitA: 10, limitKw: null, untilMs: Date.now() + 3_600_000, reason: null },
      'alice',
    );
    await first.store.api.schedules.add(
      {
        circuitId: 'right',
        name: 'all week',
        weekly: [
          { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '00:00', to: '24:00', limitA: 12 },
        ],
        exceptions: [],
        enabled: true,
      },
      'alice',
    );
    await first.stop();

    // Requested runs wait a minute here: the snapshot read right after the start is the first allocation's.
    const second = await start(60_000);
    try {
      const snap = second.control.snapshot()!;
      expect(snap.limits.get('left')).toMatchObject({ limitA: 10 });
      expect(snap.limits.get('left')!.sourceA).toMatch(/^override/);
      expect(snap.limits.get('right')).toMatchObject({ limitA: 12 });
      expect(snap.limits.get('right')!.sourceA).toMatch(/all week/);
    } finally {
      await second.stop();
    }
  });
});
