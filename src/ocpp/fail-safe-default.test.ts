import { describe, expect, it } from 'vitest';
import { FailSafeDefault } from './fail-safe-default.ts';

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
});
