import { describe, expect, it } from 'vitest';
import { SetpointTracker } from './setpoint-tracker.ts';

// Fail-safe 10 A, port max 32 A, 10 s expiry margin.
const tracker = (): SetpointTracker => new SetpointTracker(10, 32, 10_000);

/** A tracker whose fail-safe default the station accepted, in session 1. */
function inSession(): SetpointTracker {
  const t = tracker();
  t.setDefaultState('accepted');
  t.setSession(1);
  return t;
}

describe('SetpointTracker.effectiveLimitA', () => {
  it('counts the port maximum until the fail-safe default is accepted', () => {
    const t = tracker();
    expect(t.effectiveLimitA(0)).toBe(32);
    t.setDefaultState('pending');
    expect(t.effectiveLimitA(0)).toBe(32);
    t.setDefaultState('accepted');
    expect(t.effectiveLimitA(0)).toBe(10);
    // A later resend that times out does not undo what the station already holds.
    t.setDefaultState('timeout');
    expect(t.effectiveLimitA(0)).toBe(10);
  });

  it.each([
    // [what, confirmed setpoint, in-flight setpoint, outcome of in-flight, expected]
    ['unconfirmed decrease counts at the old limit', 20, 8, undefined, 20],
    ['unconfirmed increase counts at the new limit', 8, 20, undefined, 20],
    ['accepted decrease counts at the new limit', 20, 8, 'accepted', 8],
    ['rejected decrease keeps the old limit', 20, 8, 'rejected', 20],
    ['timed-out decrease keeps the old limit', 20, 8, 'timeout', 20],
    ['timed-out increase counts at the new limit', 8, 20, 'timeout', 20],
  ] as const)('%s', (_what, confirmedA, nextA, outcome, expected) => {
    const t = inSession();
    t.resolve(t.sent(confirmedA, 600_000), 'accepted');
    const seq = t.sent(nextA, 600_000);
    if (outcome) t.resolve(seq, outcome);
    expect(t.effectiveLimitA(1000)).toBe(expected);
  });

  it('falls back to the default near and after a setpoint expiry', () => {
    const t = inSession();
    t.resolve(t.sent(6, 60_000), 'accepted');
    expect(t.effectiveLimitA(0)).toBe(6);
    // Within the margin the station may already be back on its 10 A default.
    expect(t.effectiveLimitA(55_000)).toBe(10);
    expect(t.effectiveLimitA(61_000)).toBe(10);
  });

  it('a later accepted setpoint supersedes earlier timed-out ones', () => {
    const t = inSession();
    t.resolve(t.sent(25, 600_000), 'timeout');
    expect(t.effectiveLimitA(0)).toBe(25);
    t.resolve(t.sent(12, 600_000), 'accepted');
    expect(t.effectiveLimitA(0)).toBe(12);
  });

  it('forgets session setpoints when the session ends', () => {
    const t = inSession();
    t.resolve(t.sent(25, 600_000), 'accepted');
    t.setSession(undefined);
    expect(t.effectiveLimitA(0)).toBe(10);
    expect(t.hasUnconfirmed()).toBe(false);
  });
});
