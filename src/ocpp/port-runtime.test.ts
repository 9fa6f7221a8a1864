import { describe, expect, it } from 'vitest';
import { PortRuntime } from './port-runtime.ts';
import type { PortInfo } from './port-directory.ts';
import type { SitePort } from '../core/site.ts';

const info: PortInfo = {
  port: { id: 'CP1-1', stationId: 'CP1', connectorId: 1, maxCurrentA: 32 } as SitePort,
  conductors: 3,
  supply: { lineToNeutralV: 230, lineToLineV: 400, phases: ['L1', 'L2', 'L3'] },
  failSafeA: 6,
};

function runtime(): PortRuntime {
  const rt = new PortRuntime(info, 10_000);
  rt.status = 'charging';
  rt.startSession({ sessionId: 7, transactionRef: 't7', startedMs: 1_000, meterStartWh: 100 });
  return rt;
}

describe('PortRuntime.snapshot', () => {
  it('is the same object while nothing it shows changed (a control run reads every port)', () => {
    const rt = runtime();
    const a = rt.snapshot(true, 2_000, true);
    expect(rt.snapshot(true, 2_000, true)).toBe(a);
    expect(rt.snapshot(true, 3_000, true)).toBe(a);
  });

  it('is a new one with the new value when anything it shows changed', () => {
    const rt = runtime();
    const changes: [string, () => void, Partial<Record<string, unknown>>][] = [
      ['status', () => (rt.status = 'suspended-ev'), { status: 'suspended-ev' }],
      ['meter', () => (rt.lastMeter = { portId: 'CP1-1', atMs: 2_500, currentA: [10, 10, 10] }), {}],
      ['last Wh', () => (rt.sessionLastWh = 250), { sessionLastWh: 250 }],
      ['SoC', () => ((rt.socPct = 40), (rt.socAtMs = 2_600)), { socPct: 40, socAtMs: 2_600 }],
      ['needs', () => (rt.evNeeds = { receivedAtMs: 2_700, energyWh: 10_000 } as never), {}],
      [
        'limit',
        () => rt.setpoints.resolve(rt.setpoints.sent(16, 600_000), 'accepted'),
        { effectiveLimitA: 16 },
      ],
      ['session', () => rt.endSession(), { sessionId: undefined, sessionStartedAtMs: undefined }],
    ];
    let before = rt.snapshot(true, 2_000, true);
    for (const [what, change, expected] of changes) {
      change();
      const after = rt.snapshot(true, 3_000, true);
      expect(after, what).not.toBe(before);
      expect(after, what).toMatchObject(expected);
      expect(rt.snapshot(true, 3_000, true), what).toBe(after);
      before = after;
    }
    expect(rt.snapshot(false, 3_000, true)).toMatchObject({ connected: false });
    expect(rt.snapshot(false, 3_000, undefined)).toMatchObject({ smartCharging: undefined });
    expect(rt.snapshot(false, 3_000, undefined).lastMeter).toBe(rt.lastMeter);
  });

  it('shows what a fresh one would, field for field', () => {
    const rt = runtime();
    rt.snapshot(true, 2_000, true);
    rt.sessionLastWh = 300;
    const reused = rt.snapshot(true, 2_000, true);
    expect({ ...reused }).toEqual({
      ...new PortRuntime(info, 10_000).snapshot(true, 2_000, true),
      ...fresh(rt),
    });
  });
});

/** The fields a snapshot of `rt` shows, read off the runtime itself. */
function fresh(rt: PortRuntime) {
  return {
    status: rt.status,
    sessionId: rt.session?.sessionId,
    sessionStartedAtMs: rt.session?.startedMs,
    lastMeter: rt.lastMeter,
    sessionStartWh: rt.sessionStartWh,
    sessionLastWh: rt.sessionLastWh,
    socPct: rt.socPct,
    socAtMs: rt.socAtMs,
    evNeeds: rt.evNeeds,
    failSafeA: rt.setpoints.failSafeA,
    effectiveLimitA: rt.setpoints.effectiveLimitA(2_000),
  };
}
