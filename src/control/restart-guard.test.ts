import { describe, expect, it } from 'vitest';
import type { PortSnapshot } from '../contracts/station-gateway.ts';
import type { PriorSetpoint } from './restart-guard.ts';
import { RestartGuard } from './restart-guard.ts';

const START = 1_000_000;
const EXPIRY = 300_000;

function port(o: Partial<PortSnapshot> = {}): PortSnapshot {
  return {
    portId: 'p',
    stationId: 's',
    connectorId: 1,
    connected: true,
    status: 'charging',
    sessionId: 7,
    failSafeA: 10,
    effectiveLimitA: 10,
    ...o,
  };
}

const prior = (o: Partial<PriorSetpoint>): PriorSetpoint => ({
  portId: 'p',
  sessionId: 7,
  currentA: 20,
  sentMs: START - 60_000,
  outcome: 'accepted',
  ...o,
});

describe('RestartGuard.pending', () => {
  it('a port with a session is unconfirmed until a setpoint is accepted (confirm), then known for good', () => {
    const g = new RestartGuard(START, EXPIRY, EXPIRY);
    expect(g.pending(port(), START)).toBe('setpoint-unconfirmed');
    expect(g.confirm('p')).toBe(true);
    expect(g.confirm('p')).toBe(false);
    expect(g.pending(port(), START + 1)).toBeNull();
    expect(g.pending(port({ connected: false }), START + 2)).toBeNull();
  });

  it('a station not back counts as offline, also after the grace period; other reasons end with it', () => {
    const g = new RestartGuard(START, EXPIRY, EXPIRY);
    expect(g.pending(port({ connected: false }), START)).toBe('station-offline');
    expect(g.pending(port({ connected: false, sessionId: undefined }), START + EXPIRY)).toBe(
      'station-offline',
    );
    expect(g.pending(port(), START + EXPIRY - 1)).toBe('setpoint-unconfirmed');
    expect(g.pending(port(), START + EXPIRY)).toBeNull();
    expect(g.pending(port({ sessionId: undefined, status: 'unknown' }), START + EXPIRY)).toBeNull();
  });

  it('a port without a session is known once its station reported its status', () => {
    const g = new RestartGuard(START, EXPIRY, EXPIRY);
    expect(g.pending(port({ sessionId: undefined, status: 'unknown' }), START)).toBe('status-unknown');
    expect(g.pending(port({ sessionId: undefined, status: 'available' }), START)).toBeNull();
    // Sticky: a later unknown status (none is ever sent, but a snapshot may say so) does not undo it.
    expect(g.pending(port({ sessionId: undefined, status: 'unknown' }), START)).toBeNull();
  });
});

describe('RestartGuard.loadA', () => {
  it('is the fail-safe default without a session, whatever the gateway says', () => {
    const g = new RestartGuard(START, EXPIRY, EXPIRY, [prior({})]);
    expect(g.loadA(port({ sessionId: undefined }), 32, START)).toBe(10);
  });

  it('is the highest of the default, the gateway limit and the last accepted prior setpoint still in force', () => {
    const g = new RestartGuard(START, EXPIRY, EXPIRY, [prior({ currentA: 20 })]);
    expect(g.loadA(port(), 0, START)).toBe(20);
    expect(g.loadA(port(), 25, START)).toBe(25);
    // It expired 5 minutes after it was sent.
    expect(g.loadA(port(), 0, START - 60_000 + EXPIRY)).toBe(10);
  });

  it('counts unanswered ones after the last accepted, not refused or superseded ones, nor other sessions', () => {
    const g = new RestartGuard(START, EXPIRY, EXPIRY, [
      prior({ currentA: 32, sentMs: START - 90_000 }), // superseded by the next accepted one
      prior({ currentA: 12, sentMs: START - 80_000 }),
      prior({ currentA: 30, sentMs: START - 70_000, outcome: 'rejected' }),
      prior({ currentA: 16, sentMs: START - 60_000, outcome: 'timeout' }),
      prior({ currentA: 31, sessionId: 6, sentMs: START - 50_000 }), // an earlier transaction's
      prior({ currentA: 29, portId: 'q', sentMs: START - 50_000 }),
    ]);
    expect(g.loadA(port(), 0, START)).toBe(16);
    expect(g.loadA(port({ portId: 'q' }), 0, START)).toBe(29);
  });

  it('takes prior setpoints in any order', () => {
    const g = new RestartGuard(START, EXPIRY, EXPIRY, [
      prior({ currentA: 12, sentMs: START - 10_000 }),
      prior({ currentA: 32, sentMs: START - 90_000 }),
    ]);
    expect(g.loadA(port(), 0, START)).toBe(12);
  });
});
