/**
 * The cloud's charging profiles as caps (issue 11): validation of 1.6 and 2.0.1 SetChargingProfile, the
 * limit per port at an instant (A and W, recurring, stack levels, station maximum), expiry, and clearing.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { PortSnapshot } from '../contracts/station-gateway.ts';
import { CloudProfiles } from './cloud-profiles.ts';
import { cloudSite } from './testing/cloud-site.ts';

const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);
const HOUR = 3_600_000;

/** Station s: two three-phase ports of 32 A at 230/400 V; station t: one single-phase port. */
const SITE = cloudSite(true);

function snapshot(portId: string, sessionId?: number, startedMs = T0): PortSnapshot {
  const [stationId, connector] = portId.split('/');
  return {
    portId,
    stationId: stationId!,
    connectorId: Number(connector),
    connected: true,
    status: sessionId === undefined ? 'available' : 'charging',
    ...(sessionId !== undefined ? { sessionId, sessionStartedAtMs: startedMs } : {}),
    failSafeA: 0,
    effectiveLimitA: 0,
  };
}

function setup(sessions: Record<string, number> = {}) {
  const lines: string[] = [];
  let nowMs = T0;
  let ports = ['s/1', 's/2', 't/1'].map((id) => snapshot(id, sessions[id]));
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(s) });
  const asked: string[] = [];
  const profiles = new CloudProfiles({
    site: SITE,
    port: (id) => {
      asked.push(id);
      return ports.find((p) => p.portId === id);
    },
    logger,
    now: () => nowMs,
  });
  return {
    profiles,
    lines,
    asked,
    at: (ms: number) => (nowMs = ms),
    sessions: (s: Record<string, number>) => {
      ports = ['s/1', 's/2', 't/1'].map((id) => snapshot(id, s[id]));
    },
    caps: () => Object.fromEntries(profiles.capsA(nowMs)),
  };
}

const iso = (ms: number): string => new Date(ms).toISOString();

function p16(connectorId: number, cp: Record<string, unknown>, schedule: Record<string, unknown> = {}) {
  return {
    connectorId,
    csChargingProfiles: {
      chargingProfileId: 1,
      stackLevel: 0,
      chargingProfilePurpose: 'TxDefaultProfile',
      chargingProfileKind: 'Absolute',
      ...cp,
      chargingSchedule: {
        startSchedule: iso(T0),
        chargingRateUnit: 'A',
        chargingSchedulePeriod: [{ startPeriod: 0, limit: 10 }],
        ...schedule,
      },
    },
  };
}

function p2(evseId: number, cp: Record<string, unknown>, schedule: Record<string, unknown> = {}) {
  return {
    evseId,
    chargingProfile: {
      id: 1,
      stackLevel: 0,
      chargingProfilePurpose: 'TxDefaultProfile',
      chargingProfileKind: 'Absolute',
      ...cp,
      chargingSchedule: [
        {
          id: 1,
          startSchedule: iso(T0),
          chargingRateUnit: 'A',
          chargingSchedulePeriod: [{ startPeriod: 0, limit: 10 }],
          ...schedule,
        },
      ],
    },
  };
}

describe('CloudProfiles: caps per port', () => {
  it('asks for the ports of the stations with a cloud profile only (the control loop asks on every run)', () => {
    const c = setup({ 's/1': 1, 't/1': 2 });
    expect(c.caps()).toEqual({});
    expect(c.profiles.nextChangeMs(T0, 60_000)).toBeUndefined();
    expect(c.asked).toEqual([]);
    expect(c.profiles.set('s', '1.6', p16(1, {}, { duration: 3600 }))).toBe('Accepted');
    c.asked.length = 0;
    expect(c.caps()).toEqual({ 's/1': 10 });
    expect(c.profiles.nextChangeMs(T0, 60_000)).toBe(T0 + 3_600_000 - 60_000);
    expect(new Set(c.asked)).toEqual(new Set(['s/1', 's/2']));
  });

  it('1.6 TxDefaultProfile in A on one connector caps that port only', () => {
    const c = setup();
    expect(c.profiles.set('s', '1.6', p16(1, {}))).toBe('Accepted');
    expect(c.caps()).toEqual({ 's/1': 10 });
  });

  it('2.0.1 in W is turned into A per phase with the port wiring (3 × 230 V; single phase 230 V)', () => {
    const c = setup();
    const w = { chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 6900 }] };
    expect(c.profiles.set('s', '2.0.1', p2(2, {}, w))).toBe('Accepted');
    expect(c.profiles.set('t', '2.0.1', p2(1, {}, w))).toBe('Accepted');
    const caps = c.caps();
    expect(caps['s/2']).toBeCloseTo(10, 6);
    expect(caps['t/1']).toBeCloseTo(30, 6);
    expect(caps['s/1']).toBeUndefined();
  });

  it('a TxDefaultProfile on connector 0 caps every port of the station; a connector one wins over it', () => {
    const c = setup();
    expect(c.profiles.set('s', '1.6', p16(0, { chargingProfileId: 5 }))).toBe('Accepted');
    expect(c.caps()).toEqual({ 's/1': 10, 's/2': 10 });
    const own = p16(2, { chargingProfileId: 6 }, { chargingSchedulePeriod: [{ startPeriod: 0, limit: 20 }] });
    expect(c.profiles.set('s', '1.6', own)).toBe('Accepted');
    expect(c.caps()).toEqual({ 's/1': 10, 's/2': 20 });
  });

  it('the highest stack level in force wins; clearing it brings the lower one back', () => {
    const c = setup();
    const lim = (a: number) => ({ chargingSchedulePeriod: [{ startPeriod: 0, limit: a }] });
    expect(c.profiles.set('s', '1.6', p16(1, { chargingProfileId: 1, stackLevel: 0 }, lim(16)))).toBe(
      'Accepted',
    );
    expect(c.profiles.set('s', '1.6', p16(1, { chargingProfileId: 2, stackLevel: 3 }, lim(20)))).toBe(
      'Accepted',
    );
    expect(c.caps()).toEqual({ 's/1': 20 });
    expect(c.profiles.clear('s', '1.6', { id: 2 })).toBe('Accepted');
    expect(c.caps()).toEqual({ 's/1': 16 });
    expect(c.profiles.clear('s', '1.6', { id: 2 })).toBe('Unknown');
  });

  it('a daily recurring schedule follows the time of day, on later days too', () => {
    const c = setup();
    // From T0 (08:00 UTC): 6 A for 4 h, then 16 A, then 8 A from 12 h on, every day.
    const periods = [
      { startPeriod: 0, limit: 6 },
      { startPeriod: 4 * 3600, limit: 16 },
      { startPeriod: 12 * 3600, limit: 8 },
    ];
    const payload = p2(
      1,
      { chargingProfileKind: 'Recurring', recurrencyKind: 'Daily' },
      {
        chargingSchedulePeriod: periods,
      },
    );
    expect(c.profiles.set('s', '2.0.1', payload)).toBe('Accepted');
    c.at(T0 + HOUR);
    expect(c.caps()).toEqual({ 's/1': 6 });
    c.at(T0 + 5 * HOUR);
    expect(c.caps()).toEqual({ 's/1': 16 });
    c.at(T0 + 23 * HOUR);
    expect(c.caps()).toEqual({ 's/1': 8 });
    c.at(T0 + 3 * 24 * HOUR + 5 * HOUR);
    expect(c.caps()).toEqual({ 's/1': 16 });
  });

  it('an absolute schedule ends with its duration (and validTo): the cap goes and the profile is dropped', () => {
    const c = setup();
    expect(c.profiles.set('s', '1.6', p16(1, {}, { duration: 3600 }))).toBe('Accepted');
    const until = p16(2, { chargingProfileId: 2, validTo: iso(T0 + 2 * HOUR) });
    expect(c.profiles.set('s', '1.6', until)).toBe('Accepted');
    c.at(T0 + 30 * 60_000);
    expect(c.caps()).toEqual({ 's/1': 10, 's/2': 10 });
    c.at(T0 + HOUR + 1);
    expect(c.caps()).toEqual({ 's/2': 10 });
    expect(c.profiles.list().map((p) => p.profileId)).toEqual([2]);
    c.at(T0 + 2 * HOUR);
    expect(c.caps()).toEqual({});
    expect(c.profiles.list()).toEqual([]);
  });

  it('a TxProfile needs a transaction on its connector, overrides the default, and ends with the transaction', () => {
    const c = setup();
    const tx = p16(
      1,
      { chargingProfileId: 9, chargingProfilePurpose: 'TxProfile', transactionId: 7 },
      {
        chargingSchedulePeriod: [{ startPeriod: 0, limit: 24 }],
      },
    );
    expect(c.profiles.set('s', '1.6', tx)).toBe('Rejected');
    expect(c.lines.join('')).toMatch(/TxProfile.*no transaction on connector 1 of station s/);
    c.sessions({ 's/1': 7 });
    expect(c.profiles.set('s', '1.6', p16(0, { chargingProfileId: 1 }))).toBe('Accepted');
    expect(c.profiles.set('s', '1.6', tx)).toBe('Accepted');
    expect(c.caps()).toEqual({ 's/1': 24, 's/2': 10 });
    c.sessions({});
    expect(c.caps()).toEqual({ 's/1': 10, 's/2': 10 });
    expect(c.profiles.list().map((p) => p.profileId)).toEqual([1]);
    // A new transaction on the port does not bring the old TxProfile back.
    c.sessions({ 's/1': 8 });
    expect(c.caps()).toEqual({ 's/1': 10, 's/2': 10 });
  });

  it('a relative TxProfile starts with the transaction', () => {
    const c = setup({ 's/1': 3 });
    const rel = p2(
      1,
      { chargingProfilePurpose: 'TxProfile', chargingProfileKind: 'Relative', transactionId: 'x' },
      {
        startSchedule: undefined,
        chargingSchedulePeriod: [
          { startPeriod: 0, limit: 6 },
          { startPeriod: 1800, limit: 12 },
        ],
      },
    );
    c.at(T0 + 10 * 60_000);
    expect(c.profiles.set('s', '2.0.1', rel)).toBe('Accepted');
    expect(c.caps()).toEqual({ 's/1': 6 });
    c.at(T0 + 31 * 60_000);
    expect(c.caps()).toEqual({ 's/1': 12 });
  });

  it('2.0.1 TxProfile with several chargingSchedules (ISO 15118 alternatives): the lowest in force at each instant, in A per phase', () => {
    const c = setup({ 's/1': 3 });
    const tx = p2(1, { chargingProfilePurpose: 'TxProfile', transactionId: 'x' });
    const schedules = [
      {
        id: 1,
        startSchedule: iso(T0),
        chargingRateUnit: 'A',
        chargingSchedulePeriod: [
          { startPeriod: 0, limit: 16 },
          { startPeriod: 3600, limit: 8 },
        ],
      },
      // 6900 W on 3 × 230 V: 10 A per phase.
      {
        id: 2,
        startSchedule: iso(T0),
        chargingRateUnit: 'W',
        chargingSchedulePeriod: [{ startPeriod: 0, limit: 6900 }],
      },
      // Starts later: not in force before.
      {
        id: 3,
        startSchedule: iso(T0 + 2 * HOUR),
        chargingRateUnit: 'A',
        chargingSchedulePeriod: [{ startPeriod: 0, limit: 6 }],
      },
    ];
    expect(
      c.profiles.set('s', '2.0.1', {
        ...tx,
        chargingProfile: { ...tx.chargingProfile, chargingSchedule: schedules },
      }),
    ).toBe('Accepted');
    expect(c.caps()['s/1']).toBeCloseTo(10, 6);
    c.at(T0 + HOUR + 1000);
    expect(c.caps()['s/1']).toBeCloseTo(8, 6);
    c.at(T0 + 2 * HOUR + 1000);
    expect(c.caps()['s/1']).toBeCloseTo(6, 6);
  });

  it('2.0.1 several chargingSchedules on a purpose other than TxProfile are rejected (K01: TxProfile only)', () => {
    const c = setup();
    const d = p2(1, {});
    const two = [
      d.chargingProfile.chargingSchedule[0]!,
      { ...d.chargingProfile.chargingSchedule[0]!, id: 2 },
    ];
    expect(
      c.profiles.set('s', '2.0.1', {
        ...d,
        chargingProfile: { ...d.chargingProfile, chargingSchedule: two },
      }),
    ).toBe('Rejected');
    expect(c.lines.join('')).toMatch(/several chargingSchedules.*TxProfile/);
  });

  it('ChargePointMaxProfile shares the station maximum among its ports with a car, within their own caps', () => {
    const c = setup({ 's/1': 1, 's/2': 2 });
    const max = p16(
      0,
      { chargingProfileId: 3, chargingProfilePurpose: 'ChargePointMaxProfile' },
      {
        chargingSchedulePeriod: [{ startPeriod: 0, limit: 20 }],
      },
    );
    expect(c.profiles.set('s', '1.6', max)).toBe('Accepted');
    expect(c.caps()).toEqual({ 's/1': 10, 's/2': 10 });
    // s/1 held at 4 A by its own profile: s/2 gets the rest of the 20 A.
    const own = p16(1, { chargingProfileId: 4 }, { chargingSchedulePeriod: [{ startPeriod: 0, limit: 4 }] });
    expect(c.profiles.set('s', '1.6', own)).toBe('Accepted');
    expect(c.caps()).toEqual({ 's/1': 4, 's/2': 16 });
    // One car only: it may have all of it.
    c.sessions({ 's/2': 2 });
    expect(c.caps()).toEqual({ 's/1': 4, 's/2': 20 });
  });

  it('2.0.1 ChargingStationMaxProfile in W is shared in W and turned into A per port', () => {
    const c = setup({ 's/1': 1, 's/2': 2 });
    const max = p2(
      0,
      { chargingProfilePurpose: 'ChargingStationMaxProfile' },
      {
        chargingRateUnit: 'W',
        chargingSchedulePeriod: [{ startPeriod: 0, limit: 13_800 }],
      },
    );
    expect(c.profiles.set('s', '2.0.1', max)).toBe('Accepted');
    const caps = c.caps();
    expect(caps['s/1']).toBeCloseTo(10, 6);
    expect(caps['s/2']).toBeCloseTo(10, 6);
  });

  it('2.0.1 ClearChargingProfile by criteria', () => {
    const c = setup();
    expect(c.profiles.set('s', '2.0.1', p2(1, { id: 11, stackLevel: 1 }))).toBe('Accepted');
    expect(c.profiles.set('s', '2.0.1', p2(2, { id: 12, stackLevel: 1 }))).toBe('Accepted');
    const crit = { chargingProfileCriteria: { evseId: 2, chargingProfilePurpose: 'TxDefaultProfile' } };
    expect(c.profiles.clear('s', '2.0.1', crit)).toBe('Accepted');
    expect(c.caps()).toEqual({ 's/1': 10 });
    expect(c.profiles.clear('s', '2.0.1', { chargingProfileId: 12 })).toBe('Unknown');
    expect(c.profiles.clear('s', '2.0.1', { chargingProfileId: 11 })).toBe('Accepted');
    expect(c.caps()).toEqual({});
  });
});

describe('CloudProfiles: invalid profiles are rejected with a clear log line', () => {
  const cases: [string, '1.6' | '2.0.1', string, unknown, RegExp][] = [
    ['no csChargingProfiles', '1.6', 's', { connectorId: 1 }, /csChargingProfiles/],
    ['a 2.0.1 payload as 1.6', '1.6', 's', p2(1, {}), /connectorId/],
    [
      'a negative limit',
      '1.6',
      's',
      p16(1, {}, { chargingSchedulePeriod: [{ startPeriod: 0, limit: -1 }] }),
      /limit/,
    ],
    ['unit kW', '2.0.1', 's', p2(1, {}, { chargingRateUnit: 'kW' }), /chargingRateUnit/],
    [
      'a TxProfile on connector 0',
      '1.6',
      's',
      p16(0, { chargingProfilePurpose: 'TxProfile' }),
      /TxProfile.*connector 0/,
    ],
    [
      'a 2.0.1 purpose in 1.6',
      '1.6',
      's',
      p16(0, { chargingProfilePurpose: 'ChargingStationMaxProfile' }),
      /chargingProfilePurpose/,
    ],
    [
      'ChargePointMaxProfile on a connector',
      '1.6',
      's',
      p16(1, { chargingProfilePurpose: 'ChargePointMaxProfile' }),
      /connector 0/,
    ],
    ['an unknown connector', '1.6', 's', p16(3, {}), /connector 3 of station s/],
    ['an unknown station', '2.0.1', 'zz', p2(1, {}), /station zz/],
    [
      'recurring without recurrencyKind',
      '1.6',
      's',
      p16(1, { chargingProfileKind: 'Recurring' }),
      /recurrencyKind/,
    ],
    [
      'periods out of order',
      '2.0.1',
      's',
      p2(
        1,
        {},
        {
          chargingSchedulePeriod: [
            { startPeriod: 60, limit: 6 },
            { startPeriod: 0, limit: 8 },
          ],
        },
      ),
      /startPeriod/,
    ],
    ['a bad date', '1.6', 's', p16(1, { validTo: 'tomorrow' }), /validTo/],
  ];
  for (const [what, version, station, payload, message] of cases) {
    it(what, () => {
      const c = setup();
      expect(c.profiles.set(station, version, payload)).toBe('Rejected');
      const line = c.lines.find((l) => l.includes('cloud charging profile rejected'));
      expect(line, c.lines.join('')).toBeDefined();
      expect(line).toMatch(message);
      expect(c.caps()).toEqual({});
      expect(c.profiles.list()).toEqual([]);
    });
  }

  it('an invalid ClearChargingProfile is Unknown and logged', () => {
    const c = setup();
    expect(c.profiles.set('s', '1.6', p16(1, {}))).toBe('Accepted');
    expect(c.profiles.clear('s', '1.6', { id: 'one' })).toBe('Unknown');
    expect(c.lines.join('')).toMatch(/cloud ClearChargingProfile ignored.*id/);
    expect(c.caps()).toEqual({ 's/1': 10 });
  });
});
