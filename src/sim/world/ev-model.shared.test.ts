/**
 * One EV model (docs/architecture.md, "The EV model"): the site world's EvModel, the OCPP simulated station's
 * car and the offline study's step follow the same rules, so a car behaves alike in every simulator.
 */
import { describe, expect, it } from 'vitest';
import { SimulatedStation } from '../devices/ocpp-station.ts';
import { EvModel, acceptedKwh, taperShare } from './ev-model.ts';

const KW_PER_A_3PH = (3 * 230) / 1000;

/** A 1.6 station (never connected) whose only port runs a transaction under a limit of `pilotA`. */
function stationWithCar(pilotA: number, carMaxA: number): SimulatedStation {
  const st = new SimulatedStation({
    url: 'ws://127.0.0.1:1/ocpp',
    stationId: 'CP',
    version: '1.6',
    ports: [{ connectorId: 1, phases: 3, maxCurrentA: pilotA }],
    now: () => 0,
  });
  const port = st.port(1);
  port.car = { maxCurrentA: carMaxA, phases: 3, socPct: 20, capacityWh: 60_000 };
  port.tx = { id: '1', idTag: 'T', startMs: 0, meterStartWh: 0, seqNo: 0 };
  return st;
}

function evModel(pilotA: number, carMaxA: number): EvModel {
  const ev = new EvModel({
    id: 'ev',
    batteryKwh: 60,
    socPct: 20,
    phases: 3,
    maxCurrentA: carMaxA,
    arrivalMs: 0,
    startDelayMs: 0,
    responseDelayMs: 0,
    chargeEfficiency: 1,
  });
  ev.plugIn(0, KW_PER_A_3PH, pilotA);
  ev.advance(1);
  return ev;
}

describe('one EV model', () => {
  it('the station’s car and EvModel draw the same under every pilot, nothing below the 6 A minimum', () => {
    for (const pilotA of [0, 5, 5.999, 6 - 1e-10, 6, 6.5, 10, 16, 32]) {
      for (const carMaxA of [10, 16, 32]) {
        const station = stationWithCar(pilotA, carMaxA).drawA(1)[0];
        expect(station, `pilot ${pilotA} A, car ${carMaxA} A`).toBe(evModel(pilotA, carMaxA).currentA);
      }
    }
    expect(evModel(5.999, 32).currentA).toBe(0);
  });

  it('the station’s car and EvModel (at full efficiency) turn the same energy into the same SoC', () => {
    let nowMs = 0;
    const st = new SimulatedStation({
      url: 'ws://127.0.0.1:1/ocpp',
      stationId: 'CP',
      version: '1.6',
      ports: [{ connectorId: 1, phases: 3, maxCurrentA: 16 }],
      now: () => nowMs,
    });
    const port = st.port(1);
    port.car = { maxCurrentA: 16, phases: 3, socPct: 20, capacityWh: 60_000 };
    port.tx = { id: '1', idTag: 'T', startMs: 0, meterStartWh: 0, seqNo: 0 };
    const ev = evModel(16, 16);
    nowMs = 3_600_000;
    st.advance(port);
    ev.advance(3_600_000);
    expect(port.meterWh / 1000).toBeCloseTo(ev.energyKwh, 9);
    expect(port.car.socPct).toBeCloseTo(ev.socPct, 9);
  });

  it('the offline step tapers by the same curve as EvModel (no floor): full power up to the threshold, then linear to 0', () => {
    // A 10 kWh battery at 90 % (1 kWh to go), taper from 80 %: within the step the power follows the curve
    // from its share at the start down to its share at the end.
    const hours = 0.01;
    const got = acceptedKwh(11, 11, 1, 10, hours, { thresholdSoc: 0.8, capacityKwh: 10 });
    const atStart = 11 * taperShare(0.9, 0.8, 1);
    const atEnd = 11 * taperShare(0.9 + got / 10, 0.8, 1);
    expect(got).toBeLessThanOrEqual(atStart * hours + 1e-12);
    expect(got).toBeGreaterThanOrEqual(atEnd * hours - 1e-12);
    // EvModel's own maximum at 90 % with the same taper and no floor: the same share of its maximum.
    const ev = new EvModel({
      id: 'ev',
      batteryKwh: 10,
      socPct: 90,
      phases: 3,
      maxCurrentA: 16,
      arrivalMs: 0,
      taperFromSocPct: 80,
      taperFloor: 0,
    });
    expect(ev.ownMaxA() / 16).toBeCloseTo(taperShare(0.9, 0.8, 1), 12);
  });
});
