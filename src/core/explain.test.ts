import { describe, expect, it } from 'vitest';
import { describeLimitedBy, describeUrgency } from './explain.ts';

describe('describeLimitedBy', () => {
  it('names the binding constraint and what set its limit (not the static limit)', () => {
    expect(describeLimitedBy({ kind: 'circuit', circuitId: 'row-a', dimension: 'L2', source: 'EMS' })).toBe(
      'circuit row-a L2 full (EMS)',
    );
    expect(
      describeLimitedBy({ kind: 'circuit', circuitId: 'row-a', dimension: 'kW', source: 'static limit' }),
    ).toBe('circuit row-a kW full');
    expect(describeLimitedBy({ kind: 'car', measuredA: 13 })).toBe('car draws 13 A');
    expect(describeLimitedBy({ kind: 'paused', circuitId: 'bays', dimension: 'L1', rotation: true })).toBe(
      'paused: waiting for its turn on bays L1',
    );
    expect(
      describeLimitedBy({
        kind: 'paused',
        circuitId: 'bays',
        dimension: 'L1',
        rotation: false,
        waitingBehind: 'carport-1/2',
      }),
    ).toBe('paused: waiting behind carport-1/2 on bays L1');
    expect(describeLimitedBy({ kind: 'idle' })).toBe('idle (no car)');
  });

  it('says why a port is uncontrolled and what it counts at', () => {
    expect(describeLimitedBy({ kind: 'uncontrolled', reason: 'not-implemented', countedA: 32 })).toBe(
      'uncontrolled: station does not implement charging profiles; counted at 32 A',
    );
    expect(describeLimitedBy({ kind: 'uncontrolled', reason: 'timeout', countedA: 40 })).toBe(
      'uncontrolled: station does not answer its charging profiles; counted at 40 A',
    );
    expect(describeLimitedBy({ kind: 'uncontrolled', reason: 'no-smart-charging', countedA: 0 })).toBe(
      'uncontrolled: station has no smart charging; counted at 0 A',
    );
  });

  it('adds deadline mode urgency after the constraint when given', () => {
    const why = { kind: 'circuit', circuitId: 'small', dimension: 'L1' } as const;
    expect(describeLimitedBy(why, { leaves: '10:30', energyRemainingKwh: 8 })).toBe(
      'circuit small L1 full; least laxity first: leaves 10:30, needs 8.0 kWh',
    );
    expect(
      describeLimitedBy({ kind: 'port-max' }, { leaves: '27 Nov 07:00', energyRemainingKwh: 31.6 }),
    ).toBe("port's maximum; least laxity first: leaves 27 Nov 07:00, needs 32 kWh");
  });
});

describe('describeUrgency', () => {
  it('rounds the need to a tenth below 10 kWh and to whole kWh above', () => {
    expect(describeUrgency({ leaves: '10:30', energyRemainingKwh: 0.26 })).toBe(
      'least laxity first: leaves 10:30, needs 0.3 kWh',
    );
    expect(describeUrgency({ leaves: '10:30', energyRemainingKwh: 9.94 })).toBe(
      'least laxity first: leaves 10:30, needs 9.9 kWh',
    );
    expect(describeUrgency({ leaves: '10:30', energyRemainingKwh: 12.5 })).toBe(
      'least laxity first: leaves 10:30, needs 13 kWh',
    );
  });

  it('says a session that had its energy has it, instead of needing 0.0 kWh', () => {
    expect(describeUrgency({ leaves: '10:30', energyRemainingKwh: 0 })).toBe('has its energy, leaves 10:30');
    expect(describeUrgency({ leaves: '10:30', energyRemainingKwh: 0.04 })).toBe(
      'has its energy, leaves 10:30',
    );
    expect(describeUrgency({ leaves: '10:30', energyRemainingKwh: Number.NaN })).toBe(
      'has its energy, leaves 10:30',
    );
  });
});
