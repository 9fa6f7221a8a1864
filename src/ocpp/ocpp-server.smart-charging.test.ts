import { describe, expect, it } from 'vitest';
import type { Clock } from '../clock.ts';
import { systemClock } from '../clock.ts';
import type { SimulatedStation } from '../sim/devices/ocpp-station.ts';
import type { OcppVersion } from '../contracts/station-gateway.ts';
import type { SetpointEvent } from '../contracts/station-gateway.ts';
import { eventually } from './testing/ocpp-harness.ts';
import { ocppPerTest } from './testing/ocpp-per-test.ts';

const ocpp = ocppPerTest();

async function charging(
  version: OcppVersion,
  rateUnits: ('A' | 'W')[] = ['A'],
  clock?: Clock,
): Promise<SimulatedStation> {
  const st = await ocpp.cp1(
    version,
    { circuitLimitA: 40, settings: { acceptUnknownIdTags: true }, ...(clock ? { clock } : {}) },
    { rateUnits },
  );
  await eventually(() => ocpp.h.server.port('CP1-1')!.effectiveLimitA === 20, 'fail-safe default accepted');
  await st.plugIn(1, { maxCurrentA: 32, phases: 3 });
  await st.start(1, 'T');
  await eventually(() => ocpp.h.server.port('CP1-1')!.sessionId !== undefined, 'session');
  return st;
}

describe.each<OcppVersion>(['1.6', '2.0.1'])('smart charging over OCPP %s', (version) => {
  it('renews a setpoint before it expires, and the station falls back to its fail-safe when Fusebox stops', async () => {
    const st = await charging(version);
    const sent = (): number => st.received.filter((c) => c.action === 'SetChargingProfile').length;
    const before = sent();
    expect(await ocpp.h.server.applySetpoint('CP1-1', 12, { expiresAfterMs: 2000 })).toBe('accepted');
    expect(st.currentLimitA(1)).toBe(12);
    // Renewed at half its life, so it never lapses while Fusebox runs.
    await eventually(() => sent() >= before + 3, 'two renewals', 10_000);
    expect(st.currentLimitA(1)).toBe(12);
    await ocpp.h.stop();
    // Fusebox is gone: the TxProfile runs out and the station is back on its 20 A default by itself.
    await eventually(() => st.currentLimitA(1) === 20, 'fall back to the default', 10_000);
  });

  it("renews on time after Fusebox's wall clock stepped back an hour (an NTP step)", async () => {
    // Fusebox's clock (its server and store) steps; the station's does not.
    let offsetMs = 0;
    const st = await charging(version, ['A'], { ...systemClock, nowMs: () => Date.now() + offsetMs });
    const sent = (): number => st.received.filter((c) => c.action === 'SetChargingProfile').length;
    expect(await ocpp.h.server.applySetpoint('CP1-1', 12, { expiresAfterMs: 2000 })).toBe('accepted');
    const before = sent();
    offsetMs = -3_600_000;
    // Its renewal was due at half its life by the old clock: an hour away by the new one.
    await eventually(() => sent() >= before + 2, 'two renewals', 10_000);
  });

  it('a station whose clock is 3 minutes behind applies its default and a decrease at once', async () => {
    await ocpp.start({
      stations: [{ id: 'CP1', ports: 2, version }],
      circuitLimitA: 40,
      settings: { acceptUnknownIdTags: true },
    });
    const behindMs = 3 * 60_000;
    const st = ocpp.station({
      stationId: 'CP1',
      version,
      ports: 2,
      now: () => Date.now() - behindMs,
    });
    await st.connect();
    // Its first default goes out before any of its timestamps is seen: it must be in force by its clock.
    await eventually(() => ocpp.h.server.port('CP1-1')!.effectiveLimitA === 20, 'fail-safe default accepted');
    expect(st.currentLimitA(1)).toBe(20);
    await st.plugIn(1, { maxCurrentA: 32, phases: 3 });
    await st.start(1, 'T');
    await eventually(() => ocpp.h.server.port('CP1-1')!.sessionId !== undefined, 'session');
    // Its timestamps (status, start) show the skew; a decrease is in force by its clock as soon as accepted.
    expect(await ocpp.h.server.applySetpoint('CP1-1', 12)).toBe('accepted');
    expect(st.currentLimitA(1)).toBe(12);
    expect(st.drawA(1)).toEqual([12, 12, 12]);
    await st.sendMeterValues(1);
    expect(await ocpp.h.server.applySetpoint('CP1-1', 8)).toBe('accepted');
    expect(st.currentLimitA(1)).toBe(8);
  });

  it('a station whose clock is 4 minutes ahead keeps a setpoint in force until it is renewed', async () => {
    const st = await charging(version);
    // The station's clock jumps 4 minutes ahead; its next timestamps (meter values) show it.
    const aheadMs = 4 * 60_000;
    const skewed = ocpp.station({
      stationId: 'CP1',
      version,
      ports: 2,
      now: () => Date.now() + aheadMs,
    });
    await st.close();
    await skewed.connect();
    await skewed.plugIn(1, { maxCurrentA: 32, phases: 3 });
    await skewed.start(1, 'T2');
    await eventually(
      () => ocpp.h.server.port('CP1-1')!.connected && ocpp.h.server.port('CP1-1')!.sessionId !== undefined,
      'the new session',
    );
    await skewed.sendMeterValues(1);
    // A 60 s setpoint: by a clock 4 minutes ahead its validTo would have passed on arrival.
    expect(await ocpp.h.server.applySetpoint('CP1-1', 12, { expiresAfterMs: 60_000 })).toBe('accepted');
    expect(skewed.currentLimitA(1)).toBe(12);
  });

  it('sends W to a station that only takes W, for the phases the car is seen to use', async () => {
    const st = await charging(version, ['W']);
    const lastProfileLimit = (): { unit: string; limit: number } => {
      interface Schedule {
        chargingRateUnit: string;
        chargingSchedulePeriod: { limit: number }[];
      }
      const c = st.received.filter((x) => x.action === 'SetChargingProfile').at(-1)!.payload as {
        csChargingProfiles?: { chargingSchedule: Schedule };
        chargingProfile?: { chargingSchedule: Schedule[] };
      };
      const schedule = c.csChargingProfiles?.chargingSchedule ?? c.chargingProfile!.chargingSchedule[0]!;
      return { unit: schedule.chargingRateUnit, limit: schedule.chargingSchedulePeriod[0]!.limit };
    };
    // The default assumed one phase: 20 A × 230 V.
    expect(lastProfileLimit()).toEqual({ unit: 'W', limit: 4600 });
    await st.sendMeterValues(1);
    await eventually(
      () => ocpp.h.server.port('CP1-1')!.lastMeter?.conductorsInUse !== undefined,
      'phases measured',
    );
    expect(await ocpp.h.server.applySetpoint('CP1-1', 16)).toBe('accepted');
    expect(lastProfileLimit()).toEqual({ unit: 'W', limit: 16 * 230 * 3 });
    expect(st.currentLimitA(1)).toBeCloseTo(16);
  });

  it('reads whether the station has smart charging, after its defaults; reports refusals in its words', async () => {
    await ocpp.start({
      stations: [
        { id: 'CP1', ports: 1, version },
        { id: 'CP2', ports: 1, version },
      ],
      circuitLimitA: 40,
      settings: { acceptUnknownIdTags: true, callTimeoutMs: 500 },
    });
    const without = ocpp.station({ stationId: 'CP1', version, smartCharging: false });
    const refusing = ocpp.station({
      stationId: 'CP2',
      version,
      refuseProfiles: 'NotImplemented',
    });
    const events: SetpointEvent[] = [];
    ocpp.h.server.on('setpoint', (e) => events.push(e));
    await without.connect();
    await refusing.connect();
    await eventually(() => ocpp.h.server.port('CP1-1')!.smartCharging === false, 'CP1 has no smart charging');
    await eventually(() => ocpp.h.server.port('CP2-1')!.smartCharging === true, 'CP2 has it');
    // Asked after the fail-safe default went out.
    const actions = without.received.map((c) => c.action);
    const query = version === '1.6' ? 'GetConfiguration' : 'GetVariables';
    expect(actions.lastIndexOf(query)).toBeGreaterThan(actions.indexOf('SetChargingProfile'));
    // CP2's default was refused with a CALLERROR: the event says so, in the station's word.
    expect(events).toContainEqual(
      expect.objectContaining({
        portId: 'CP2-1',
        purpose: 'default',
        result: 'rejected',
        stationAnswer: 'NotImplemented',
      }),
    );
    await refusing.plugIn(1);
    await refusing.start(1, 'T');
    await eventually(() => ocpp.h.server.port('CP2-1')!.sessionId !== undefined, 'session');
    expect(await ocpp.h.server.applySetpoint('CP2-1', 10)).toBe('rejected');
    refusing.refuseProfiles = 'Rejected';
    expect(await ocpp.h.server.applySetpoint('CP2-1', 10)).toBe('rejected');
    refusing.refuseProfiles = 'no-answer';
    expect(await ocpp.h.server.applySetpoint('CP2-1', 10)).toBe('timeout');
    const session = events.filter((e) => e.portId === 'CP2-1' && e.purpose === undefined);
    expect(session.map((e) => [e.result, e.stationAnswer])).toEqual([
      ['rejected', 'NotImplemented'],
      ['rejected', 'Rejected'],
      ['timeout', undefined],
    ]);
  });

  it('reports an offline station and a port without a session', async () => {
    const st = await charging(version);
    expect(await ocpp.h.server.applySetpoint('CP1-2', 10)).toBe('no-session');
    expect(await ocpp.h.server.applySetpoint('nope', 10)).toBe('unknown-port');
    const gone = new Promise((r) => ocpp.h.server.on('station-disconnected', r));
    await st.close();
    await gone;
    expect(await ocpp.h.server.applySetpoint('CP1-1', 10)).toBe('offline');
    expect(ocpp.h.server.port('CP1-1')!.connected).toBe(false);
  });
});
