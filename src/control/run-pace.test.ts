import { describe, expect, it } from 'vitest';
import type { MeterReading, PhaseValues } from '../contracts/meter-reading.ts';
import {
  BATCH_MS,
  READING_RISE_A,
  READING_RISE_KW,
  readingMayRaiseLoad,
  spareRunDelayMs,
} from './run-pace.ts';

function reading(currentA: PhaseValues, powerKw: number | null): MeterReading {
  return {
    meterId: 'gm',
    atMs: 0,
    currentA,
    voltageV: [230, 230, 230],
    powerKw,
    powerPhaseKw: [null, null, null],
    energyImportKwh: null,
    energyExportKwh: null,
    rejected: [],
  };
}

describe('run pace', () => {
  it('a spare run waits 10 run-times, between coalesceMs and BATCH_MS', () => {
    expect(spareRunDelayMs(20, 0.3)).toBe(20);
    expect(spareRunDelayMs(20, 13)).toBe(130);
    expect(spareRunDelayMs(20, 80)).toBe(BATCH_MS);
  });

  it('a reading may raise the load when a phase or the total rose past its step, or a value came or went', () => {
    const before = reading([50, 40, -10], 20);
    expect(readingMayRaiseLoad(null, before)).toBe(true);
    expect(readingMayRaiseLoad(before, before)).toBe(false);
    // Less load, or noise within the steps: no.
    expect(readingMayRaiseLoad(before, reading([20, 40 + READING_RISE_A, -30], 20 + READING_RISE_KW))).toBe(
      false,
    );
    // One phase past its step (an export shrinking counts: -10 A to -8 A is 2 A more import).
    expect(readingMayRaiseLoad(before, reading([50, 40, -8], 20))).toBe(true);
    expect(readingMayRaiseLoad(before, reading([50, 41.5, -10], 20))).toBe(true);
    // The total past its step with every phase within (a meter whose phases round).
    expect(readingMayRaiseLoad(before, reading([50, 40, -10], 20.6))).toBe(true);
    // A value that came or went, or NaN: yes.
    expect(readingMayRaiseLoad(before, reading([50, null, -10], 20))).toBe(true);
    expect(readingMayRaiseLoad(reading([50, null, -10], null), reading([50, 30, -10], null))).toBe(true);
    expect(readingMayRaiseLoad(before, reading([50, 40, -10], null))).toBe(true);
    expect(readingMayRaiseLoad(before, reading([Number.NaN, 40, -10], 20))).toBe(true);
    // Phases a device never reports stay out of it.
    expect(readingMayRaiseLoad(reading([50, null, null], null), reading([50, null, null], null))).toBe(false);
  });
});
