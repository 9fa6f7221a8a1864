import { describe, expect, it } from 'vitest';
import type { OcppVersion } from '../contracts/station-gateway.ts';
import { eventually } from './testing/ocpp-harness.ts';
import { ocppPerTest } from './testing/ocpp-per-test.ts';

const ocpp = ocppPerTest();

describe.each<OcppVersion>(['1.6', '2.0.1', '2.1'])('a simulated OCPP %s station', (version) => {
  it('boots, gets fail-safe defaults, authorizes, charges under a setpoint, reports meter values, stops', async () => {
    const h = await ocpp.start({
      stations: [{ id: 'CP1', ports: 2, version }],
      circuitLimitA: 40,
      settings: { acceptUnknownIdTags: true },
    });
    const st = ocpp.station({ stationId: 'CP1', version, ports: 2 });
    const events: string[] = [];
    h.server.on('session-started', (e) => events.push(`started ${e.portId}`));
    h.server.on('session-stopped', (e) => events.push(`stopped ${e.portId} ${e.energyWh}`));
    const statuses: string[] = [];
    h.server.on('port-status', (e) => {
      if (e.portId === 'CP1-1') statuses.push(e.status);
    });
    const meters: number[] = [];
    h.server.on('meter-values', (e) => meters.push(e.maxCurrentA ?? -1));

    expect((await st.connect()).status).toBe('Accepted');
    // 40 A shared by two ports with every port at once: 20 A each, sent as TxDefaultProfile.
    await eventually(() => h.server.port('CP1-1')!.effectiveLimitA === 20, 'default accepted on CP1-1');
    await eventually(() => h.server.port('CP1-2')!.effectiveLimitA === 20, 'default accepted on CP1-2');
    expect(st.currentLimitA(1)).toBe(20);

    await st.plugIn(1, { maxCurrentA: 32, phases: 3 });
    const { accepted } = await st.start(1, 'TAG-1');
    expect(accepted).toBe(true);
    await eventually(() => h.server.port('CP1-1')!.sessionId !== undefined, 'session on CP1-1');
    expect(st.drawA(1)).toEqual([20, 20, 20]);

    expect(await h.server.applySetpoint('CP1-1', 13.7, { expiresAfterMs: 60_000 })).toBe('accepted');
    expect(st.currentLimitA(1)).toBeCloseTo(13.7);
    expect(h.server.effectiveLimitA('CP1-1')).toBeCloseTo(13.7);
    expect(st.drawA(1)).toEqual([13.7, 13.7, 13.7]);

    await st.sendMeterValues(1);
    await eventually(() => meters.includes(13.7), 'meter values with 13.7 A');
    expect(h.server.port('CP1-1')!.lastMeter!.conductorsInUse).toEqual([true, true, true]);

    // Put energy on the register as if the car charged for a while.
    st.port(1).meterWh += 5000;
    await st.sendMeterValues(1);
    const { energyWh } = await st.stop(1);
    await eventually(() => events.some((e) => e.startsWith('stopped CP1-1')), 'session stopped');
    // A setpoint for a port without a session cannot be a TxProfile.
    expect(await h.server.applySetpoint('CP1-1', 10)).toBe('no-session');
    expect(st.currentLimitA(1)).toBe(20);

    const row = h.store.db
      .prepare('SELECT id_tag, energy_wh, meter_start_wh, meter_stop_wh, stop_reason, port_id FROM sessions')
      .all() as { id_tag: string; energy_wh: number; port_id: string }[];
    expect(row).toHaveLength(1);
    expect(row[0]!.port_id).toBe('CP1-1');
    expect(row[0]!.id_tag).toBe('TAG-1');
    expect(row[0]!.energy_wh).toBeCloseTo(energyWh, 0);
    expect(energyWh).toBeGreaterThanOrEqual(5000);
    const meterRows = h.store.db
      .prepare('SELECT COUNT(*) AS n FROM meter_values WHERE port_id = ?')
      .get('CP1-1') as {
      n: number;
    };
    expect(meterRows.n).toBeGreaterThanOrEqual(2);
    expect(events[0]).toBe('started CP1-1');
    expect(statuses.slice(0, 2)).toEqual(['available', 'occupied']);
    expect(statuses).toContain('charging');
  });
});
