/**
 * Values that came out wrong: formula text in the sessions CSV behind a tab or carriage return, override
 * and schedule limits of 1e-300 A, and a negative capacity on /circuits and /metrics.
 */
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument -- assertions read JSON bodies */
import { describe, expect, it, vi } from 'vitest';
import { circuitView, useApiFixture } from './testing/api-fixture.ts';

const { f, alice } = useApiFixture();

const soon = (): string => new Date(Date.now() + 3600_000).toISOString();

describe('sessions CSV', () => {
  it('defuses text a spreadsheet would run: = + - @, and a leading tab or carriage return', async () => {
    const tags = ['=1+1', '+1', '-1', '@SUM(A1)', '\t=1+1', '\r=1+1', ' =1+1', 'plain'];
    const t0 = Date.now() - 3600_000;
    for (const [i, idTag] of tags.entries())
      await f.fusebox.store.ocpp.startSession({
        stationId: 'csv-st',
        evseId: 1,
        connectorId: i + 1,
        idTag,
        startedMs: t0 + i * 1000,
      });
    const r = await f.call('GET', '/api/v1/sessions.csv?stationId=csv-st', { headers: alice });
    expect(r.status).toBe(200);
    const idTags = r.text
      .trim()
      .split(/\r\n(?=\d|id,)/)
      .slice(1)
      .map((line) => {
        const m = /^\d+,csv-st,[^,]*,("(?:[^"]|"")*"|[^,]*),/.exec(line);
        return m![1]!;
      })
      .reverse();
    expect(idTags).toEqual(["'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\t=1+1", `"'\r=1+1"`, "' =1+1", 'plain']);
  });
});

describe('limits and capacity', () => {
  it('an override limit between 0 and 0.1 A (1e-300) is refused naming the field; 0 is allowed', async () => {
    const tiny = await f.call('POST', '/api/v1/overrides', {
      headers: alice,
      body: { circuitId: 'left', limitA: 1e-300, until: soon() },
    });
    expect(tiny.status).toBe(400);
    expect(tiny.body.message).toMatch(/^body\.limitA: must be 0 or at least 0\.1 A$/);
    const tinyKw = await f.call('POST', '/api/v1/overrides', {
      headers: alice,
      body: { circuitId: 'left', limitKw: 0.001, until: soon() },
    });
    expect(tinyKw.status).toBe(400);
    expect(tinyKw.body.message).toMatch(/^body\.limitKw: must be 0 or at least 0\.1 kW$/);
    const sched = await f.call('POST', '/api/v1/schedules', {
      headers: alice,
      body: {
        circuitId: 'left',
        name: 'tiny',
        weekly: [{ days: ['mon'], from: '08:00', to: '09:00', limitA: 1e-300 }],
        exceptions: [],
      },
    });
    expect(sched.status).toBe(400);
    expect(sched.body.message).toMatch(/^body\.weekly\[0\]\.limitA: must be 0 or at least 0\.1 A$/);
  });

  it('no circuit shows a negative capacity, even with a 0 A override and an offline station on it', async () => {
    const zero = await f.call('POST', '/api/v1/overrides', {
      headers: alice,
      body: { circuitId: 'left', limitA: 0, until: soon() },
    });
    expect(zero.status).toBe(201);
    await vi.waitFor(
      async () => {
        const left = await circuitView(f, alice, 'left');
        expect(left.overrideId).toBe(zero.body.id);
        expect(left.effectiveLimitA).toEqual([0, 0, 0]);
      },
      { timeout: 10_000 },
    );
    const all = (await f.call('GET', '/api/v1/circuits', { headers: alice })).body.circuits;
    for (const c of all)
      for (const a of c.capacityA as (number | null)[])
        if (a !== null) expect(a, c.id).toBeGreaterThanOrEqual(0);
    const metrics = await f.call('GET', '/metrics');
    const negative = metrics.text
      .split('\n')
      .filter((l) => l.startsWith('fusebox_circuit_capacity_amperes') && / -\d/.test(l));
    expect(negative).toEqual([]);
    await f.call('DELETE', `/api/v1/overrides/${zero.body.id as number}`, { headers: alice });
  });
});

describe('afterwards', () => {
  it('nothing above answered 500', () => {
    expect(f.logLines.filter((l) => l.includes('request failed'))).toEqual([]);
  });
});
