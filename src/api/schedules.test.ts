/** Schedules made through the API: validation like the site file, concurrency, and their effect. */
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-assignment -- assertions read JSON bodies */
import { describe, expect, it, vi } from 'vitest';
import { loadSiteConfigText } from '../config/load.ts';
import type { ApiFixture, LoginHeaders } from './testing/api-fixture.ts';
import { TEST_SITE, circuitView, startApiFixture, useApiFixture } from './testing/api-fixture.ts';

const { f, alice } = useApiFixture();

/** Circuit left as GET /api/v1/circuits shows it on `fx` to `headers`. */
const leftOf = (fx: ApiFixture, headers: LoginHeaders) => circuitView(fx, headers, 'left');

/** Waits (5 s at most) until circuit left shows these limits (static ones only where given) and this source. */
async function leftBecomes(
  fx: ApiFixture,
  headers: LoginHeaders,
  want: { limitA?: number[]; effectiveLimitA: number[]; limitSource: string },
): Promise<void> {
  await vi.waitFor(
    async () => {
      const c = await leftOf(fx, headers);
      if (want.limitA) expect(c.limitA).toEqual(want.limitA);
      expect(c.effectiveLimitA).toEqual(want.effectiveLimitA);
      expect(c.limitSource).toBe(want.limitSource);
    },
    { timeout: 5000 },
  );
}

const ALL_DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const allWeek = (limitA: number, label?: string) => ({
  days: ALL_DAYS,
  from: '00:00',
  to: '24:00',
  limitA,
  ...(label ? { label } : {}),
});

describe('schedules', () => {
  it("lists the site file's schedules next to the dashboard's", async () => {
    const r = await f.call('GET', '/api/v1/schedules', { headers: alice });
    expect(r.status).toBe(200);
    expect(r.body.items).toEqual([]);
    expect(r.body.fromSiteFile).toEqual([
      {
        circuitId: 'right',
        weekly: [{ days: ['sat'], from: '00:00', to: '24:00', limitA: 20, label: 'weekend' }],
        exceptions: [],
      },
    ]);
  });

  it('applies a new schedule at once (lower wins), can be disabled, and edits need the current version', async () => {
    const created = await f.call('POST', '/api/v1/schedules', {
      headers: alice,
      body: { circuitId: 'left', name: 'always low', weekly: [allWeek(12)], exceptions: [] },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      circuitId: 'left',
      name: 'always low',
      enabled: true,
      version: 1,
      updatedBy: 'alice',
    });
    const id = created.body.id as number;

    const left = () => leftOf(f, alice);
    await vi.waitFor(async () => expect((await left()).effectiveLimitA).toEqual([12, 12, 12]), {
      timeout: 5000,
    });
    expect((await left()).limitSource).toBe("schedule 'always low'");
    const site = await f.call('GET', '/api/v1/site', { headers: alice });
    expect(site.body.circuits.find((c: { id: string }) => c.id === 'left').hasSchedule).toBe(true);

    const disabled = await f.call('PUT', `/api/v1/schedules/${id}`, {
      headers: alice,
      body: {
        circuitId: 'left',
        name: 'always low',
        weekly: [allWeek(12)],
        exceptions: [],
        enabled: false,
        version: 1,
      },
    });
    expect(disabled.status).toBe(200);
    expect(disabled.body.version).toBe(2);
    await vi.waitFor(async () => expect((await left()).effectiveLimitA).toEqual([32, 32, 32]), {
      timeout: 5000,
    });

    const stale = await f.call('PUT', `/api/v1/schedules/${id}`, {
      headers: alice,
      body: { circuitId: 'left', name: 'x', weekly: [allWeek(10)], exceptions: [], version: 1 },
    });
    expect(stale.status).toBe(409);
    expect(stale.body.message).toMatch(/version/);

    // A schedule above the static limit would have no effect: refused, naming the entry.
    const high = await f.call('PUT', `/api/v1/schedules/${id}`, {
      headers: alice,
      body: { circuitId: 'left', name: 'high', weekly: [allWeek(50)], exceptions: [], version: 2 },
    });
    expect(high.status).toBe(400);
    expect(high.body.message).toMatch(
      /^body\.weekly\[0\]\.limitA: 50 A is above circuit left's static limit of 32 A/,
    );
    expect((await left()).effectiveLimitA).toEqual([32, 32, 32]);

    expect((await f.call('DELETE', `/api/v1/schedules/${id}`, { headers: alice })).status).toBe(204);
    expect((await f.call('DELETE', `/api/v1/schedules/${id}`, { headers: alice })).status).toBe(404);
    const audit = await f.call('GET', '/api/v1/events?kind=audit', { headers: alice });
    expect(audit.body.items.map((e: { message: string }) => e.message)).toEqual(
      expect.arrayContaining([
        `alice: schedule ${id} 'always low' added on left`,
        `alice: schedule ${id} 'always low' changed`,
        `alice: schedule ${id} 'always low' deleted`,
      ]),
    );
  });

  it('a reloaded site file (SIGHUP) keeps the schedules made in the dashboard', async () => {
    const created = await f.call('POST', '/api/v1/schedules', {
      headers: alice,
      body: { circuitId: 'left', name: 'kept', weekly: [allWeek(14)], exceptions: [] },
    });
    const r = loadSiteConfigText(TEST_SITE.replace('limitA: 32 }', 'limitA: 30 }'), 'test.yaml');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(f.fusebox.reconfigure(r.compiled)).toBeNull();
    await leftBecomes(f, alice, {
      limitA: [30, 30, 30],
      effectiveLimitA: [14, 14, 14],
      limitSource: "schedule 'kept'",
    });
    // Overrides are checked against the reloaded static limit.
    const over = await f.call('POST', '/api/v1/overrides', {
      headers: alice,
      body: { circuitId: 'left', limitA: 31, until: new Date(Date.now() + 60_000).toISOString() },
    });
    expect(over.body.message).toMatch(/static limit of 30 A/);
    await f.call('DELETE', `/api/v1/schedules/${created.body.id as number}`, { headers: alice });
  });

  it("a dashboard schedule's exception suspends only its own weekly entries, not the site file's", async () => {
    const g = await startApiFixture({
      yaml: TEST_SITE.replace(
        '  - { id: left, name: Left row, parent: main, limitA: 32 }',
        `  - id: left
    parent: main
    limitA: 32
    schedule:
      weekly: [{ days: [mon, tue, wed, thu, fri, sat, sun], from: '00:00', to: '24:00', limitA: 25, label: site cap }]`,
      ),
    });
    try {
      const h = await g.login('alice');
      // A local date-time span around now in the site's zone (Europe/Amsterdam), "YYYY-MM-DDTHH:MM".
      const local = (ms: number): string =>
        new Intl.DateTimeFormat('sv-SE', {
          timeZone: 'Europe/Amsterdam',
          year: 'numeric',
          month: '2-digit',
          day: '2-digit',
          hour: '2-digit',
          minute: '2-digit',
          hourCycle: 'h23',
        })
          .format(ms)
          .replace(' ', 'T');
      const now = Date.now();
      const exception = { from: local(now - 3600_000), to: local(now + 3600_000), label: 'works' };
      const created = await g.call('POST', '/api/v1/schedules', {
        headers: h,
        body: { circuitId: 'left', name: 'dash', weekly: [allWeek(20)], exceptions: [exception] },
      });
      expect(created.status).toBe(201);
      // The dashboard's exception is in force: its 20 A is off, the site file's 25 A still holds.
      await leftBecomes(g, h, { effectiveLimitA: [25, 25, 25], limitSource: "schedule 'site cap'" });
      // Without the exception the dashboard's lower 20 A wins.
      const put = await g.call('PUT', `/api/v1/schedules/${created.body.id as number}`, {
        headers: h,
        body: { circuitId: 'left', name: 'dash', weekly: [allWeek(20)], exceptions: [], version: 1 },
      });
      expect(put.status).toBe(200);
      await leftBecomes(g, h, { effectiveLimitA: [20, 20, 20], limitSource: "schedule 'dash'" });
    } finally {
      await g.stop();
    }
  });

  it.each([
    [
      { weekly: [{ days: ['mon'], from: '25:00', to: '26:00', limitA: 10 }] },
      'body.weekly[0].from',
      /not a local time/,
    ],
    [
      { weekly: [{ days: ['funday'], from: '08:00', to: '09:00', limitA: 10 }] },
      'body.weekly[0].days[0]',
      /not a day/,
    ],
    [{ weekly: [{ days: ['mon'], from: '08:00', to: '09:00' }] }, 'body.weekly[0]', /limitA or limitKw/],
    [{ exceptions: [{ date: '2026-02-30' }] }, 'body.exceptions[0].date', /not a date/],
    [{ circuitId: 'nowhere' }, 'circuitId', /no circuit 'nowhere'/],
    [{ name: '' }, 'body.name', /./],
  ])('refuses %j with 400 naming %s', async (patch, field, message) => {
    const body = { circuitId: 'left', name: 'n', weekly: [], exceptions: [], ...patch };
    const r = await f.call('POST', '/api/v1/schedules', { headers: alice, body });
    expect(r.status).toBe(400);
    expect(r.body.message.startsWith(`${field}:`) || r.body.message.startsWith(field)).toBe(true);
    expect(r.body.message).toMatch(message);
  });
});
