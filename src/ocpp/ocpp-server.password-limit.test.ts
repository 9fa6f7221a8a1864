/**
 * Station passwords cannot be guessed at full speed: after too many failures from one address, or for one
 * station id, connections are refused with 429 without the password being checked until the window passes.
 * Real WebSockets; other source addresses are other 127.0.0.0/8 addresses.
 */
import { describe, expect, it } from 'vitest';
import { systemClock } from '../clock.ts';
import { hashStationPassword } from './password-hash.ts';
import type { Harness } from './testing/ocpp-harness.ts';
import { eventually } from './testing/ocpp-harness.ts';
import { ocppPerTest } from './testing/ocpp-per-test.ts';

const PASSWORD = 'correct horse battery staple';
const WINDOW_MS = 5 * 60_000;

const ocpp = ocppPerTest();

let nowMs = Date.now();

async function harness(): Promise<Harness> {
  nowMs = Date.now();
  return ocpp.start({
    stations: [
      { id: 'CP1', securityProfile: 1, passwordHash: await hashStationPassword(PASSWORD) },
      { id: 'CP2', securityProfile: 1, passwordHash: await hashStationPassword(PASSWORD) },
    ],
    // Time is set by the test; timers stay real (the connections are real).
    clock: { ...systemClock, nowMs: () => nowMs },
  });
}

/** One connection attempt; resolves with the HTTP status of a refusal, or 101 when accepted (then closed). */
async function attempt(stationId: string, password: string, from = '127.0.0.1'): Promise<number> {
  const st = ocpp.station({ stationId, version: '1.6', password, localAddress: from });
  try {
    await st.connect({ boot: false });
  } catch (err) {
    return (err as { code?: number }).code ?? -1;
  }
  await st.close();
  await eventually(() => !ocpp.h.server.connectedStationIds().includes(stationId), 'disconnected');
  return 101;
}

const refusals = (): string[] => ocpp.eventMessages('station-refused');

describe('station password attempts', () => {
  it('locks out an address after 10 failures, even for the right password, until the window passes', async () => {
    await harness();
    for (let i = 0; i < 10; i++) expect(await attempt('CP1', `guess ${i}`)).toBe(401);
    expect(await attempt('CP1', PASSWORD)).toBe(429);
    // Another station from the same address: the address is locked, not just the id.
    expect(await attempt('CP2', PASSWORD)).toBe(429);
    // The same station from another address is not.
    expect(await attempt('CP1', PASSWORD, '127.0.0.2')).toBe(101);
    await eventually(() => refusals().some((m) => m.startsWith('connection refused (429)')), 'logged');
    expect(refusals().find((m) => m.includes('(429)'))).toMatch(/too many failed password attempts/);
    nowMs += WINDOW_MS;
    expect(await attempt('CP1', PASSWORD)).toBe(101);
  });

  it('locks out a station id after 20 failures from any addresses', async () => {
    await harness();
    for (const [from, n] of [
      ['127.0.0.2', 9],
      ['127.0.0.3', 9],
      ['127.0.0.4', 2],
    ] as const) {
      for (let i = 0; i < n; i++) expect(await attempt('CP1', `guess ${i}`, from)).toBe(401);
    }
    expect(await attempt('CP1', PASSWORD, '127.0.0.5')).toBe(429);
    expect(await attempt('CP2', PASSWORD, '127.0.0.5')).toBe(101);
    nowMs += WINDOW_MS;
    expect(await attempt('CP1', PASSWORD, '127.0.0.5')).toBe(101);
  });
});
