import { describe, expect, it } from 'vitest';
import { defaultsAboveEpoch, FailSafeDefault } from './fail-safe-default.ts';

describe('FailSafeDefault', () => {
  it('holds the start default before any answer, then the last accepted one', () => {
    const d = new FailSafeDefault(16);
    expect(d.heldA()).toBe(16);
    expect(d.due()).toBe(true);
    d.resolve(d.sent(16), 'accepted');
    expect(d.inPlace()).toBe(true);
    expect(d.setTarget(7)).toBe(true);
    expect(d.setTarget(7)).toBe(false);
    expect(d.inPlace()).toBe(false);
    // Not yet sent, in flight: the station still holds 16 A.
    expect(d.heldA()).toBe(16);
    const seq = d.sent(7);
    expect(d.heldA()).toBe(16);
    d.resolve(seq, 'accepted');
    expect(d.heldA()).toBe(7);
    expect(d.inPlace()).toBe(true);
  });

  it('keeps the old default after a refusal, and counts the higher of both after a time-out', () => {
    const d = new FailSafeDefault(16);
    d.resolve(d.sent(16), 'accepted');
    d.setTarget(7);
    d.resolve(d.sent(7), 'rejected');
    expect(d.heldA()).toBe(16);
    expect(d.profileState).toBe('accepted');
    // An increase that timed out may be in force: it counts until a later one is accepted.
    d.setTarget(20);
    d.resolve(d.sent(20), 'timeout');
    expect(d.heldA()).toBe(20);
    d.setTarget(7);
    const seq = d.sent(7);
    expect(d.heldA()).toBe(20);
    d.resolve(seq, 'accepted');
    expect(d.heldA()).toBe(7);
  });

  it('does not send again a default the station refused or an operator cleared, until the target changes', () => {
    const d = new FailSafeDefault(16);
    d.resolve(d.sent(16), 'rejected');
    expect(d.profileState).toBe('rejected');
    expect(d.due()).toBe(false);
    d.setTarget(10);
    expect(d.due()).toBe(true);
    d.resolve(d.sent(10), 'accepted');
    d.cleared();
    expect(d.due()).toBe(false);
    expect(d.profileState).toBe('rejected');
  });

  it('marks every change that may put a held default above its target, and only those', () => {
    // smart-charging.ts remembers "no port above its target" until the epoch moves: a change that can break
    // that must move it, and one that cannot need not (it would only cost a scan).
    const d = new FailSafeDefault(16);
    const held = (): boolean => d.heldA() > d.targetA;
    let epoch = defaultsAboveEpoch();
    const moved = (): boolean => {
      const now = defaultsAboveEpoch();
      const m = now !== epoch;
      epoch = now;
      return m;
    };
    // Sends of the target and their answers, and a rise of the target: never above, epoch unchanged.
    d.resolve(d.sent(16), 'accepted');
    expect(d.setTarget(20)).toBe(true);
    const seq = d.sent(20);
    d.resolve(seq, 'timeout');
    expect([held(), moved()]).toEqual([false, false]);
    // A fall of the target: now above it (20 A in doubt), and the epoch moved.
    expect(d.setTarget(10)).toBe(true);
    expect([held(), moved()]).toEqual([true, true]);
    d.resolve(d.sent(10), 'accepted');
    expect([held(), moved()]).toEqual([false, false]);
    // Cleared by an operator: the station is taken to hold the start default (16 A) again, above 10 A.
    d.cleared();
    expect([held(), moved()]).toEqual([true, true]);
  });
});
