/**
 * The restart guard over real sockets and a real SQLite file: the OCPP server restores the session, the
 * store gives the previous process's setpoints, the station reconnects without booting (so it reports no
 * status), and the control loop counts the port, re-asserts it, and admits nothing into what it may draw.
 */
import { describe, expect, it } from 'vitest';
import { eventually } from '../ocpp/testing/ocpp-harness.ts';
import { loopPerTest } from './testing/ocpp-loop.ts';
import { recentSessionSetpoints } from '../store/recent-setpoints.ts';
import type { ControlOptions, ControlTestSwitches } from './control-options.ts';

const EXPIRY_MS = 300_000;
const ocpp = loopPerTest();

async function fusebox(
  dbPath: string | undefined,
  control: Partial<ControlOptions> & ControlTestSwitches = {},
) {
  const h = await ocpp.start({
    stations: [{ id: 'CP1', ports: 2, version: '1.6' }],
    circuitLimitA: 40,
    settings: { acceptUnknownIdTags: true },
    ...(dbPath !== undefined ? { dbPath } : {}),
  });
  const loop = ocpp.loop(h, {
    // Increases wait for the cars' response time after the last confirmed decrease (5 s by default): short
    // here, so the waits below measure the guard, not that delay on a loaded machine.
    options: { setpointExpiryMs: EXPIRY_MS, coalesceMs: 5, carResponseMs: 200, ...control },
    priorSetpoints: recentSessionSetpoints(h.store.db, Date.now() - EXPIRY_MS),
  });
  loop.runNow();
  return { h, loop };
}

/** Fusebox on a new store, station CP1 (1.6, two ports) connected and a car charging alone on CP1-1 at 32 A. */
async function carAlone() {
  const before = await fusebox(undefined);
  const st = ocpp.station({ url: before.h.url, stationId: 'CP1', version: '1.6', ports: 2 });
  await st.connect();
  await st.plugIn(1);
  await st.start(1, 'T');
  await eventually(() => st.currentLimitA(1) === 32, 'the car alone gets 32 A');
  return { before, st };
}

describe('restart guard over real OCPP and SQLite', () => {
  it('counts a restored session at its stored 32 A until its re-assert is accepted, then limits it', async () => {
    // Before: one car alone on CP1-1 (40 A circuit, two 32 A ports, fail-safe 20 A each) gets 32 A.
    const { before, st } = await carAlone();
    await eventually(
      () =>
        recentSessionSetpoints(before.h.store.db, 0).some(
          (s) => s.currentA === 32 && s.outcome === 'accepted',
        ),
      '32 A stored',
    );
    // Session setpoints only: the fail-safe defaults (20 A, no session) are not among them.
    expect(recentSessionSetpoints(before.h.store.db, 0).every((r) => r.sessionId !== undefined)).toBe(true);
    before.loop.stop();
    await before.h.stop(); // Fusebox goes away; the station keeps its transaction

    // After: the session is restored from the store, the station is not back yet.
    const { h, loop } = await fusebox(before.h.dbPath, { restartGraceMs: 3000 });
    const fixedA = (portId: string) => loop.snapshot()!.fixed.find((f) => f.portId === portId)?.conductorA[0];
    expect(loop.snapshot()!.unknownPorts.get('CP1-1')).toBe('station-offline');
    expect(fixedA('CP1-1')).toBe(32);
    // A car may be on CP1-2 under its default without Fusebox knowing.
    expect(fixedA('CP1-2')).toBe(20);

    const st2 = ocpp.station({ url: h.url, stationId: 'CP1', version: '1.6', ports: 2 });
    st2.ports.set(1, st.port(1));
    // A station without RemoteTrigger: Fusebox's request for its ports' status is refused.
    st2.answeringTrigger = 'NotImplemented';
    await st2.connect({ boot: false }); // no BootNotification, hence no StatusNotification
    // Re-asserted at its default and accepted: confirmed; its status is still unknown, and it is limited.
    await eventually(() => st2.currentLimitA(1) === 20, 'CP1-1 re-asserted at its default');
    await eventually(
      () => loop.snapshot()!.demands.some((d) => d.portId === 'CP1-1'),
      'CP1-1 allocated in status unknown',
    );
    expect(h.server.port('CP1-1')!.status).toBe('unknown');
    const s = loop.snapshot()!;
    expect(s.unknownPorts.has('CP1-1')).toBe(false);
    // CP1-2 reported nothing: it keeps counting at its default, and CP1-1 gets only the rest.
    expect(s.unknownPorts.get('CP1-2')).toBe('status-unknown');
    expect(s.allocation.find((a) => a.portId === 'CP1-1')!.currentA).toBe(20);
    // After the grace period, CP1-2 is let go: CP1-1 may have the whole 32 A again.
    await eventually(() => st2.currentLimitA(1) === 32, 'CP1-1 back to 32 A after the grace period', 20_000);
    expect(loop.snapshot()!.unknownPorts.size).toBe(0);
  });

  it('a station that answers the status request lets its empty port go at once, not after the grace period', async () => {
    const { before, st } = await carAlone();
    before.loop.stop();
    await before.h.stop();

    // A grace period far longer than the test: only the status the station reports can release CP1-2.
    const { h, loop } = await fusebox(before.h.dbPath, { restartGraceMs: 600_000 });
    const st2 = ocpp.station({ url: h.url, stationId: 'CP1', version: '1.6', ports: 2 });
    st2.ports.set(1, st.port(1));
    const t0 = performance.now();
    await st2.connect({ boot: false });
    await eventually(() => loop.snapshot()!.unknownPorts.size === 0, 'every port confirmed');
    const confirmedMs = performance.now() - t0;
    expect(h.server.port('CP1-2')!.status).toBe('available');
    expect(st2.received.filter((r) => r.action === 'TriggerMessage').length).toBe(2);
    // CP1-2 no longer counts at its 20 A default: the car gets its 32 A back.
    await eventually(() => st2.currentLimitA(1) === 32, 'CP1-1 back to 32 A');
    expect(loop.snapshot()!.fixed).toEqual([]);
    expect(confirmedMs).toBeLessThan(5000);
    if (process.env.SCENARIO_REPORT)
      console.log(
        `[scenario] restart, status asked: every port confirmed ${confirmedMs.toFixed(0)} ms after connecting`,
      );
  });
});
