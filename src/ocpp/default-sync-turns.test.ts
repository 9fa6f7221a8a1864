/**
 * New fail-safe defaults for many stations go out in batches (smart-charging.ts updateDefaults): at most
 * DEFAULT_SYNCS_PER_TURN stations start in one event-loop turn, those with a default that falls first, and
 * every station ends up holding its new default. Over real WebSockets, 150 stations.
 */
import { describe, expect, it, vi } from 'vitest';
import type { SmartCharging } from './smart-charging.ts';
import { DEFAULT_SYNCS_PER_TURN } from './smart-charging.ts';
import { eventually } from './testing/ocpp-harness.ts';
import { ocppPerTest } from './testing/ocpp-per-test.ts';

const ocpp = ocppPerTest();
const STATIONS = 150;

describe('fail-safe defaults for many stations', () => {
  it('start going out at most DEFAULT_SYNCS_PER_TURN stations a turn, falls first, and all arrive', async () => {
    const ids = Array.from({ length: STATIONS }, (_, i) => `S${i}`);
    const h = await ocpp.start({
      stations: ids.map((id) => ({ id, ports: 1, version: '1.6' as const })),
      circuitLimitA: 10_000,
    });
    const stations = ids.map((id) => ocpp.station({ stationId: id, version: '1.6', ports: 1 }));
    await Promise.all(stations.map((st) => st.connect()));
    const held = (i: number): number | undefined =>
      stations[i]!.profiles.all(1).find((p) => p.purpose === 'TxDefaultProfile')?.periods[0]?.limit;
    await eventually(() => stations.every((_, i) => held(i) === 32), 'first defaults (32 A each)');

    // The server's own SmartCharging, watched: which stations start syncing in this turn.
    const smart = (h.server as unknown as { smart: SmartCharging }).smart;
    const started: string[] = [];
    const sync = smart.syncDefaults.bind(smart);
    const spy = vi.spyOn(smart, 'syncDefaults').mockImplementation((id: string) => {
      started.push(id);
      sync(id);
    });
    // Every default falls (the first 120 to 20 A, the last 30 to 8 A): 100 stations start now, 50 next turn.
    const first = new Map(ids.map((id, i) => [`${id}-1`, i < 120 ? 20 : 8]));
    h.server.setFailSafeDefaults(first);
    expect(started).toHaveLength(DEFAULT_SYNCS_PER_TURN);
    await new Promise((r) => setImmediate(r));
    expect(new Set(started).size).toBe(STATIONS);
    await eventually(
      () => stations.every((_, i) => held(i) === (i < 120 ? 20 : 8)),
      'every station holds its lower default',
    );

    // Now the first 120 rise to 25 A and the last 30 fall to 6 A: the 30 falls start in the first turn.
    started.length = 0;
    const second = new Map(ids.map((id, i) => [`${id}-1`, i < 120 ? 25 : 6]));
    h.server.setFailSafeDefaults(second);
    expect(started).toHaveLength(DEFAULT_SYNCS_PER_TURN);
    expect(started.slice(0, 30)).toEqual(ids.slice(120));
    await eventually(
      () => stations.every((_, i) => held(i) === (i < 120 ? 25 : 6)),
      'every station holds its new default',
    );
    spy.mockRestore();
  }, 60_000);
});
