/** sessionNeeds: the car's word first, then the site file's assumptions; energy less what was delivered. */
import { describe, expect, it } from 'vitest';
import type { AllocationSettings, SitePort } from '../core/site.ts';
import type { DriverNeeds, EvChargingNeeds, PortSnapshot } from '../contracts/station-gateway.ts';
import { sessionNeeds } from './session-needs.ts';
import { testSitePort } from '../core/testing/site-port.ts';

const T0 = Date.UTC(2026, 10, 26, 8, 0, 0);
const HOUR = 3_600_000;

const sitePort = testSitePort({ id: 'p1' });

function port(o: {
  evNeeds?: EvChargingNeeds;
  driverNeeds?: DriverNeeds;
  startWh?: number;
  lastWh?: number;
  lastSession?: number;
  socPct?: number;
  session?: boolean;
  storedLastWh?: number;
}): PortSnapshot {
  const sessionId = o.session === false ? undefined : 5;
  return {
    portId: 'p1',
    stationId: 's',
    connectorId: 1,
    connected: true,
    status: 'charging',
    sessionId,
    sessionStartedAtMs: sessionId === undefined ? undefined : T0,
    sessionStartWh: o.startWh,
    sessionLastWh: o.storedLastWh,
    lastMeter:
      o.lastWh === undefined
        ? undefined
        : { portId: 'p1', sessionId: o.lastSession ?? 5, atMs: T0 + HOUR, currentA: [], energyWh: o.lastWh },
    socPct: o.socPct,
    evNeeds: o.evNeeds,
    driverNeeds: o.driverNeeds,
    failSafeA: 10,
    effectiveLimitA: 10,
  };
}

const defaults: AllocationSettings = { mode: 'deadline', defaultStayMs: 8 * HOUR, defaultEnergyKwh: 20 };

describe('sessionNeeds', () => {
  it.each<[string, PortSnapshot, SitePort, AllocationSettings | undefined, object]>([
    ['no session: nothing', port({ session: false }), sitePort, defaults, {}],
    [
      'a car that says nothing: the site defaults, less what it got',
      port({ startWh: 1000, lastWh: 6000 }),
      sitePort,
      defaults,
      { departureMs: T0 + 8 * HOUR, energyRemainingKwh: 15 },
    ],
    [
      "the port's own stay and energy win over the site's",
      port({ startWh: 1000, lastWh: 6000 }),
      { ...sitePort, stayMs: HOUR / 2, energyKwh: 8 },
      defaults,
      { departureMs: T0 + HOUR / 2, energyRemainingKwh: 3 },
    ],
    [
      'no defaults and a silent car: unknown',
      port({ startWh: 1000, lastWh: 6000 }),
      sitePort,
      { mode: 'deadline' },
      { departureMs: undefined, energyRemainingKwh: undefined },
    ],
    [
      "the car's word: energy less what came since it said so",
      port({
        evNeeds: { receivedAtMs: T0, departureMs: T0 + 2 * HOUR, energyWh: 10_000, meterWh: 3000 },
        startWh: 1000,
        lastWh: 6000,
      }),
      sitePort,
      defaults,
      { departureMs: T0 + 2 * HOUR, energyRemainingKwh: 7 },
    ],
    [
      'a car that gave energy but no departure: the default stay',
      port({ evNeeds: { receivedAtMs: T0, energyWh: 4000 }, startWh: 1000, lastWh: 6000 }),
      sitePort,
      defaults,
      { departureMs: T0 + 8 * HOUR, energyRemainingKwh: 0 },
    ],
    [
      'a reading of an earlier session is not delivered energy',
      port({ evNeeds: { receivedAtMs: T0, energyWh: 4000 }, lastWh: 90_000, lastSession: 4 }),
      sitePort,
      undefined,
      { departureMs: undefined, energyRemainingKwh: 4 },
    ],
    [
      'after a restart, before any new reading: the register stored for the session',
      port({
        evNeeds: { receivedAtMs: T0, energyWh: 10_000, meterWh: 3000 },
        startWh: 1000,
        storedLastWh: 8000,
      }),
      sitePort,
      undefined,
      { energyRemainingKwh: 5 },
    ],
    [
      'a DC car with its capacity: what its SoC lacks to its target',
      port({
        evNeeds: { receivedAtMs: T0, energyWh: 30_000, capacityWh: 60_000, targetSocPct: 80 },
        socPct: 55,
      }),
      { ...sitePort, currentType: 'DC' },
      undefined,
      { energyRemainingKwh: 15 },
    ],
  ])('%s', (_what, p, sp, allocation, expected) => {
    expect(sessionNeeds(p, sp, allocation)).toMatchObject(expected);
  });

  it("narrows the port's current range by the car's, never below the port's minimum", () => {
    const with_ = (minCurrentA: number, maxCurrentA: number, sp = sitePort) =>
      sessionNeeds(port({ evNeeds: { receivedAtMs: T0, minCurrentA, maxCurrentA } }), sp, undefined);
    expect(with_(6, 16)).toMatchObject({ minCurrentA: undefined, maxCurrentA: 16 });
    expect(with_(10, 40)).toMatchObject({ minCurrentA: 10, maxCurrentA: undefined });
    // A car that claims less than IEC 61851-1's minimum is not believed (it would be paused for nothing).
    expect(with_(0, 4)).toMatchObject({ minCurrentA: undefined, maxCurrentA: undefined });
    // DC: the car's currents are on the DC side, not the port's AC input.
    expect(with_(10, 16, { ...sitePort, currentType: 'DC' })).toMatchObject({
      minCurrentA: undefined,
      maxCurrentA: undefined,
    });
  });
});

describe("sessionNeeds with a driver's needs (PUT /api/v1/ports/{portId}/needs)", () => {
  const car: EvChargingNeeds = {
    receivedAtMs: T0,
    departureMs: T0 + 6 * HOUR,
    energyWh: 40_000,
    meterWh: 1000,
    capacityWh: 60_000,
    targetSocPct: 80,
  };
  it("wins over the car's departure and energy (SoC-based too), less what was delivered since it was said", () => {
    const driver: DriverNeeds = {
      atMs: T0,
      by: 'depot',
      departureMs: T0 + 2 * HOUR,
      energyWh: 18_000,
      meterWh: 3000,
    };
    const n = sessionNeeds(
      port({ evNeeds: car, driverNeeds: driver, startWh: 1000, lastWh: 6000, socPct: 50 }),
      sitePort,
      defaults,
    );
    expect(n).toMatchObject({ departureMs: T0 + 2 * HOUR, energyRemainingKwh: 15 });
  });
  it("takes each of departure and energy separately: the car's or the site's fills what the driver left out", () => {
    const onlyDeparture: DriverNeeds = { atMs: T0, by: 'd', departureMs: T0 + HOUR };
    expect(
      sessionNeeds(port({ driverNeeds: onlyDeparture, startWh: 1000, lastWh: 6000 }), sitePort, defaults),
    ).toMatchObject({
      departureMs: T0 + HOUR,
      energyRemainingKwh: 15,
    });
    const onlyEnergy: DriverNeeds = { atMs: T0, by: 'd', energyWh: 30_000 };
    // No register when it was said: from the session's start.
    expect(
      sessionNeeds(
        port({
          driverNeeds: onlyEnergy,
          evNeeds: { receivedAtMs: T0, departureMs: T0 + 3 * HOUR },
          startWh: 1000,
          lastWh: 6000,
        }),
        sitePort,
        defaults,
      ),
    ).toMatchObject({
      departureMs: T0 + 3 * HOUR,
      energyRemainingKwh: 25,
    });
  });
});
