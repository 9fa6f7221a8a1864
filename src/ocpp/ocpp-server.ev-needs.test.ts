/**
 * NotifyEVChargingNeeds (OCPP 2.0.1 / 2.1 K15-K17) over real WebSockets and a real SQLite file: answered,
 * kept on the port snapshot the control loop reads, stored with the session so a restart keeps it, and a
 * bad payload gets a CALLERROR without harm.
 */
import { describe, expect, it } from 'vitest';
import type { SimulatedStation } from '../sim/devices/ocpp-station.ts';
import type { OcppVersion } from '../contracts/station-gateway.ts';
import type { EvChargingNeedsEvent } from '../contracts/station-gateway.ts';
import { eventually, rawFrame } from './testing/ocpp-harness.ts';
import { ocppPerTest } from './testing/ocpp-per-test.ts';

const ocpp = ocppPerTest();

const station = (version: OcppVersion): Promise<SimulatedStation> =>
  ocpp.cp1(version, { settings: { acceptUnknownIdTags: true } });

/** Send a raw CALL; resolve with the answer frame. */
function raw(st: SimulatedStation, id: string, action: string, payload: unknown): Promise<unknown[]> {
  return rawFrame(st, JSON.stringify([2, id, action, payload]), id);
}

const HOUR = 3_600_000;
const acNeeds = (evseId: number, departure: string, energyAmount: number) => ({
  evseId,
  chargingNeeds: {
    requestedEnergyTransfer: 'AC_three_phase',
    departureTime: departure,
    acChargingParameters: { energyAmount, evMinCurrent: 6, evMaxCurrent: 16, evMaxVoltage: 230 },
  },
});

describe.each<OcppVersion>(['2.0.1', '2.1'])('NotifyEVChargingNeeds, OCPP %s', (version) => {
  it('is Accepted, reaches the port snapshot and the control loop event, and is stored with the session', async () => {
    const st = await station(version);
    const seen: EvChargingNeedsEvent[] = [];
    ocpp.h.server.on('ev-charging-needs', (e) => seen.push(e));
    const departureMs = Math.floor((Date.now() + 2 * HOUR) / 1000) * 1000;
    await st.plugIn(1, { maxCurrentA: 16, phases: 3, departureMs, energyWantedWh: 18_000 });
    await st.start(1, 'TAG1');
    await eventually(() => seen.length === 1, 'the ev-charging-needs event');
    const port = ocpp.h.server.port('CP1-1')!;
    expect(port.evNeeds).toMatchObject({
      departureMs,
      energyWh: 18_000,
      minCurrentA: 6,
      maxCurrentA: 16,
    });
    expect(seen[0]).toMatchObject({ portId: 'CP1-1', sessionId: port.sessionId });
    const row = ocpp.h.store.db
      .prepare('SELECT ev_departure_ms, ev_energy_wh, ev_max_current_a FROM sessions WHERE session_id = ?')
      .get(port.sessionId) as Record<string, number>;
    expect(row).toEqual({ ev_departure_ms: departureMs, ev_energy_wh: 18_000, ev_max_current_a: 16 });
    // The other port said nothing.
    expect(ocpp.h.server.port('CP1-2')!.evNeeds).toBeUndefined();
    // A renegotiation replaces what the car said; the register then is where its new need counts from.
    await st.sendMeterValues(1);
    expect(
      await st.call('NotifyEVChargingNeeds', acNeeds(1, new Date(departureMs).toISOString(), 9000)),
    ).toEqual({ status: 'Accepted' });
    await eventually(() => seen.length === 2, 'the second event');
    expect(ocpp.h.server.port('CP1-1')!.evNeeds?.energyWh).toBe(9000);
    expect(ocpp.h.server.port('CP1-1')!.evNeeds?.meterWh).toBe(
      ocpp.h.server.port('CP1-1')!.lastMeter?.energyWh,
    );
  });

  it("sends the session's limit again so the station has a schedule for the car (K15.FR.03)", async () => {
    const st = await station(version);
    await st.plugIn(1, { maxCurrentA: 32, phases: 3 });
    await st.start(1, 'TAG1');
    await eventually(() => ocpp.h.server.port('CP1-1')!.sessionId !== undefined, 'the session');
    expect(await ocpp.h.server.applySetpoint('CP1-1', 11)).toBe('accepted');
    const profiles = (): number => st.received.filter((r) => r.action === 'SetChargingProfile').length;
    const before = profiles();
    const departure = new Date(Date.now() + HOUR).toISOString();
    expect(await st.call('NotifyEVChargingNeeds', acNeeds(1, departure, 5000))).toEqual({
      status: 'Accepted',
    });
    await eventually(() => profiles() > before, 'a SetChargingProfile after the needs', 5000);
    const last = st.received.filter((r) => r.action === 'SetChargingProfile').at(-1)!.payload as {
      chargingProfile: {
        chargingProfilePurpose: string;
        chargingSchedule: { chargingSchedulePeriod: { limit: number }[] }[];
      };
    };
    expect(last.chargingProfile.chargingProfilePurpose).toBe('TxProfile');
    expect(last.chargingProfile.chargingSchedule[0]!.chargingSchedulePeriod[0]!.limit).toBe(11);
    expect(st.currentLimitA(1)).toBe(11);
    // K15.FR.10/11: the car's plan within it comes back and is accepted.
    const schedule = last.chargingProfile.chargingSchedule[0]!;
    expect(
      await st.call('NotifyEVChargingSchedule', {
        timeBase: new Date().toISOString(),
        evseId: 1,
        chargingSchedule: schedule,
      }),
    ).toEqual({ status: 'Accepted' });
  });

  it("reads a DC car's need from its SoC and capacity, and follows its SoC in TransactionEvent", async () => {
    const st = await station(version);
    await st.plugIn(1, { maxCurrentA: 32, phases: 3, socPct: 40, capacityWh: 60_000 });
    await st.start(1, 'TAG1');
    const dc = {
      evseId: 1,
      chargingNeeds: {
        requestedEnergyTransfer: 'DC',
        dcChargingParameters: {
          evMaxCurrent: 125,
          evMaxVoltage: 450,
          stateOfCharge: 40,
          evEnergyCapacity: 60_000,
          fullSoC: 90,
        },
      },
    };
    expect(await st.call('NotifyEVChargingNeeds', dc)).toEqual({ status: 'Accepted' });
    await eventually(() => ocpp.h.server.port('CP1-1')!.evNeeds, 'needs');
    expect(ocpp.h.server.port('CP1-1')!.evNeeds).toMatchObject({
      energyWh: 30_000,
      capacityWh: 60_000,
      targetSocPct: 90,
      maxCurrentA: undefined,
    });
    st.setCar(1, { socPct: 55 });
    await st.sendMeterValues(1); // TransactionEvent Updated with the SoC measurand
    // The car charges on while the frame goes out: a hair above 55.
    await eventually(
      () => Math.abs((ocpp.h.server.port('CP1-1')!.socPct ?? 0) - 55) < 0.1,
      'the SoC from TransactionEvent',
    );
  });

  it('keeps needs said before the transaction started for it, and forgets them when it ends', async () => {
    const st = await station(version);
    const departure = new Date(Date.now() + HOUR).toISOString();
    expect(await st.call('NotifyEVChargingNeeds', acNeeds(2, departure, 5000))).toEqual({
      status: 'Accepted',
    });
    expect(ocpp.h.server.port('CP1-2')!.evNeeds).toBeUndefined();
    await st.plugIn(2, { maxCurrentA: 32, phases: 3 });
    await st.start(2, 'TAG2');
    await eventually(() => ocpp.h.server.port('CP1-2')!.evNeeds?.energyWh === 5000, 'needs bound at start');
    expect(ocpp.h.server.port('CP1-2')!.evNeeds?.departureMs).toBe(Date.parse(departure));
    await st.stop(2);
    await eventually(() => ocpp.h.server.port('CP1-2')!.sessionId === undefined, 'session end');
    expect(ocpp.h.server.port('CP1-2')!.evNeeds).toBeUndefined();
  });

  it('answers an unknown EVSE Rejected, and a bad payload with a CALLERROR, and stays up', async () => {
    const st = await station(version);
    const departure = new Date(Date.now() + HOUR).toISOString();
    expect(await st.call('NotifyEVChargingNeeds', acNeeds(7, departure, 5000))).toEqual({
      status: 'Rejected',
      statusInfo: { reasonCode: 'UnknownEvse' },
    });
    const missing = await raw(st, 'b1', 'NotifyEVChargingNeeds', { evseId: 1 });
    // ocpp-rpc spells it as OCPP 1.6 did (one r) on every version.
    expect(missing.slice(0, 2)).toEqual([4, 'b1']);
    expect(missing[2]).toMatch(/^Occur+enceConstraintViolation$/);
    const wrongType = await raw(st, 'b2', 'NotifyEVChargingNeeds', {
      evseId: 1,
      chargingNeeds: {
        requestedEnergyTransfer: 'AC_three_phase',
        acChargingParameters: { energyAmount: 'lots' },
      },
    });
    expect(wrongType[0]).toBe(4);
    expect(wrongType[2]).toMatch(/^(TypeConstraintViolation|Occur+enceConstraintViolation)$/);
    const unknownField = await raw(st, 'b3', 'NotifyEVChargingNeeds', {
      ...acNeeds(1, departure, 5000),
      surprise: 1,
    });
    expect(unknownField.slice(0, 3)).toEqual([4, 'b3', 'PropertyConstraintViolation']);
    const negative = await raw(st, 'b4', 'NotifyEVChargingNeeds', acNeeds(1, departure, -5000));
    expect(negative.slice(0, 3)).toEqual([4, 'b4', 'PropertyConstraintViolation']);
    expect(String(negative[3])).toContain('chargingNeeds.acChargingParameters.energyAmount');
    const minAboveMax = await raw(st, 'b5', 'NotifyEVChargingNeeds', {
      evseId: 1,
      chargingNeeds: {
        requestedEnergyTransfer: 'AC_single_phase',
        acChargingParameters: { energyAmount: 100, evMinCurrent: 20, evMaxCurrent: 10, evMaxVoltage: 230 },
      },
    });
    expect(minAboveMax.slice(0, 3)).toEqual([4, 'b5', 'PropertyConstraintViolation']);
    expect(await st.heartbeat()).toBeGreaterThan(0);
    expect(ocpp.h.server.port('CP1-1')!.evNeeds).toBeUndefined();
  });
});

describe('NotifyEVChargingNeeds across a restart', () => {
  it('keeps the departure and energy the car stated for its running session', async () => {
    let st = await station('2.0.1');
    const dbPath = ocpp.h.dbPath;
    const departureMs = Math.floor((Date.now() + 3 * HOUR) / 1000) * 1000;
    await st.plugIn(1, { maxCurrentA: 16, phases: 3, departureMs, energyWantedWh: 12_000 });
    await st.start(1, 'TAG1');
    await new Promise((resolve) => setTimeout(resolve, 300)); // the car charges a few Wh
    await st.sendMeterValues(1);
    await eventually(() => ocpp.h.server.port('CP1-1')!.evNeeds !== undefined, 'needs stored');
    const before = ocpp.h.server.port('CP1-1')!;
    await st.close();
    await ocpp.h.stop();

    // Fusebox restarts on the same database; the station carries on its transaction without booting.
    await ocpp.start({ stations: [{ id: 'CP1', ports: 2, version: '2.0.1' }], dbPath });
    const after = ocpp.h.server.port('CP1-1')!;
    expect(after.sessionId).toBe(before.sessionId);
    expect(after.evNeeds).toEqual(before.evNeeds);
    expect(after.evNeeds?.departureMs).toBe(departureMs);
    expect(after.sessionStartWh).toBe(before.sessionStartWh);
    // What was delivered before the restart still counts against what the car asked for.
    expect(before.sessionLastWh).toBeGreaterThan(before.sessionStartWh!);
    expect(after.sessionLastWh).toBe(before.sessionLastWh);
    st = ocpp.station({ stationId: 'CP1', version: '2.0.1', ports: 2 });
    await st.connect({ boot: false });
    expect(await st.heartbeat()).toBeGreaterThan(0);
  });
});
