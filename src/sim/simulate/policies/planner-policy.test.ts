/** The planner as the `fusebox` policy's MPC (`--objective cost`): what it hands the allocator. */
import { describe, expect, it } from 'vitest';
import { runOne } from '../run-one.ts';
import { buildSetup } from '../scenario.ts';

const T0 = Date.UTC(2024, 4, 6, 8, 0, 0);
const MIN = 60_000;

describe('planner policy', () => {
  it('a car leaving within a slot gets the slot’s planned energy in the time it is there', async () => {
    // 10 min at 32 A × 208 V = 1.109 kWh; it needs 1.1 kWh and leaves at 08:10, inside the 08:00–08:15 slot.
    const sessions = [
      { id: 'a', stationId: 'S1', arrivalMs: T0, departureMs: T0 + 10 * MIN, energyKwh: 1.1 },
      { id: 'b', stationId: 'S2', arrivalMs: T0, departureMs: T0 + 120 * MIN, energyKwh: 5 },
    ];
    const setup = buildSetup(
      { kind: 'aggregate', stationIds: ['S1', 'S2'], voltageV: 208, evseMaxA: 32, evseMinA: 0 },
      100,
    );
    const { metrics, trace } = await runOne(sessions, setup, 'fusebox', {
      stepMs: 5 * MIN,
      objective: 'cost',
    });
    expect(trace.deliveredKwh[trace.sessions.findIndex((s) => s.id === 'a')]).toBeCloseTo(1.1, 3);
    expect(metrics.demandMetPct).toBeCloseTo(100, 3);
  }, 60_000);
});
