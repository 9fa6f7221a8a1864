/**
 * The fail-safe TxDefaultProfile is the first thing Fusebox sends after accepting a boot: a station that starts
 * charging at once (power back after an outage) must not run at its own maximum while Fusebox reads its
 * configuration. Real WebSockets, a simulated station that answers instantly; frames seen at the station.
 */
import { describe, expect, it } from 'vitest';
import type { OcppVersion } from '../contracts/station-gateway.ts';
import type { BootTimeline } from './testing/boot-timeline.ts';
import { profileOf, recordBoot } from './testing/boot-timeline.ts';
import { eventually } from './testing/ocpp-harness.ts';
import { ocppPerTest } from './testing/ocpp-per-test.ts';

const ocpp = ocppPerTest();

async function bootStation(version: OcppVersion, rateUnits: ('A' | 'W')[]): Promise<BootTimeline> {
  await ocpp.start({ stations: [{ id: 'CP1', ports: 2, version }], circuitLimitA: 40 });
  const st = ocpp.station({ stationId: 'CP1', version, ports: 2, rateUnits });
  const timeline = recordBoot(st);
  await st.connect();
  await eventually(
    () => ['CP1-1', 'CP1-2'].every((id) => ocpp.h.server.port(id)!.effectiveLimitA === 20),
    'fail-safe defaults accepted',
  );
  // Set-up goes on after the defaults (rate units, meter values): wait until it is done.
  const configured = version === '1.6' ? 'ChangeConfiguration' : 'SetVariables';
  await eventually(() => st.received.some((c) => c.action === configured), 'meter values configured');
  return timeline()!;
}

const described = (t: BootTimeline, n: number): [string, string?, string?, unknown?][] =>
  t.calls.slice(0, n).map((c) => {
    const p = profileOf(c.payload);
    return [c.action, p.purpose, p.unit, (c.answer as { status?: string } | undefined)?.status];
  });

describe.each<OcppVersion>(['1.6', '2.0.1'])('fail-safe default first over OCPP %s', (version) => {
  it('sends every port its TxDefaultProfile before anything else after the boot answer', async () => {
    const t = await bootStation(version, ['A']);
    expect(described(t, 2)).toEqual([
      ['SetChargingProfile', 'TxDefaultProfile', 'A', 'Accepted'],
      ['SetChargingProfile', 'TxDefaultProfile', 'A', 'Accepted'],
    ]);
    // The configuration reads and writes come after.
    expect(t.calls.slice(2).map((c) => c.action)).not.toContain('SetChargingProfile');
    expect(t.calls.length).toBeGreaterThan(2);
    // The speed target (100 ms) is measured by `npm run bench -- boot-failsafe`; here only a generous bound.
    expect(t.calls[1]!.answeredMs! - t.bootAnswerMs).toBeLessThan(2000);
  });

  it('sends the default in W at once when the station refuses A', async () => {
    const t = await bootStation(version, ['W']);
    expect(described(t, 3)).toEqual([
      ['SetChargingProfile', 'TxDefaultProfile', 'A', 'Rejected'],
      ['SetChargingProfile', 'TxDefaultProfile', 'W', 'Accepted'],
      // The next port goes straight to W: the station said it does not take A.
      ['SetChargingProfile', 'TxDefaultProfile', 'W', 'Accepted'],
    ]);
    expect(t.calls.slice(3).map((c) => c.action)).not.toContain('SetChargingProfile');
  });
});
