/** Overrides through the API: validation, audit, concurrency, and the allocation following them. */
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-assignment -- assertions read JSON bodies */
import { describe, expect, it, vi } from 'vitest';
import { useApiFixture } from './testing/api-fixture.ts';

const { f, alice } = useApiFixture();

const inHours = (h: number): string => new Date(Date.now() + h * 3600_000).toISOString();

describe('overrides', () => {
  it('creates, lists, changes and deletes an override, each write audited with the user', async () => {
    const created = await f.call('POST', '/api/v1/overrides', {
      headers: alice,
      body: { circuitId: 'right', limitA: 25, until: inHours(2), reason: 'cable works' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      circuitId: 'right',
      limitA: 25,
      limitKw: null,
      reason: 'cable works',
      createdBy: 'alice',
      version: 1,
    });
    const id = created.body.id as number;
    expect((await f.call('GET', '/api/v1/overrides', { headers: alice })).body.items).toContainEqual(
      created.body,
    );

    const changed = await f.call('PUT', `/api/v1/overrides/${id}`, {
      headers: alice,
      body: { circuitId: 'right', limitA: 22, until: inHours(3), version: 1 },
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ limitA: 22, version: 2, reason: null });

    expect((await f.call('DELETE', `/api/v1/overrides/${id}`, { headers: alice })).status).toBe(204);
    expect((await f.call('DELETE', `/api/v1/overrides/${id}`, { headers: alice })).status).toBe(404);
    expect(
      (
        await f.call('PUT', `/api/v1/overrides/${id}`, {
          headers: alice,
          body: { circuitId: 'right', limitA: 22, until: inHours(3), version: 2 },
        })
      ).status,
    ).toBe(404);

    const audit = await f.call('GET', '/api/v1/events?kind=audit', { headers: alice });
    const messages = audit.body.items.map((e: { message: string }) => e.message);
    expect(messages).toContain(`alice: override ${id}: 25 A on right until ${created.body.until}`);
    expect(messages.some((m: string) => m.startsWith(`alice: override ${id} changed: 22 A`))).toBe(true);
    expect(messages).toContain(`alice: override ${id} removed`);
    expect(audit.body.items[0].data.user).toBe('alice');
  });

  it.each([
    [
      { circuitId: 'left', limitA: 40, until: inHours(1) },
      'limitA',
      /above circuit left's static limit of 32 A/,
    ],
    [{ circuitId: 'nowhere', limitA: 10, until: inHours(1) }, 'circuitId', /no circuit 'nowhere'/],
    [{ circuitId: 'left', until: inHours(1) }, 'limitA', /give limitA or limitKw/],
    [{ circuitId: 'left', limitA: 10, until: inHours(-1) }, 'until', /not in the future/],
    [{ circuitId: 'left', limitA: 10, until: inHours(24 * 8) }, 'until', /at most 7 days/],
    [{ circuitId: 'left', limitA: 10, until: 'tomorrow' }, 'body.until', /ISO-8601/],
    [{ circuitId: 'left', limitA: -1, until: inHours(1) }, 'body.limitA', /./],
    [
      { circuitId: 'main', limitKw: 50, until: inHours(1) },
      'limitKw',
      /above circuit main's static limit of 40 kW/,
    ],
    [{ limitA: 10, until: inHours(1) }, 'body.circuitId', /./],
  ])('refuses %j with 400 naming %s', async (body, field, message) => {
    const r = await f.call('POST', '/api/v1/overrides', { headers: alice, body });
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('bad_request');
    expect(r.body.message.startsWith(field) || r.body.message.includes(`${field}:`)).toBe(true);
    expect(r.body.message).toMatch(message);
  });

  it('of two concurrent edits on the same version, one wins and the other gets 409', async () => {
    const created = await f.call('POST', '/api/v1/overrides', {
      headers: alice,
      body: { circuitId: 'right', limitA: 30, until: inHours(1) },
    });
    const id = created.body.id as number;
    const victorAsOperator = await f.call('POST', '/api/v1/tokens', {
      headers: alice,
      body: { name: 'bob-script', role: 'operator' },
    });
    const bob = { authorization: `Bearer ${victorAsOperator.body.token as string}` };
    const [a, b] = await Promise.all([
      f.call('PUT', `/api/v1/overrides/${id}`, {
        headers: alice,
        body: { circuitId: 'right', limitA: 28, until: inHours(1), version: 1 },
      }),
      f.call('PUT', `/api/v1/overrides/${id}`, {
        headers: bob,
        body: { circuitId: 'right', limitA: 18, until: inHours(1), version: 1 },
      }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const loser = a.status === 409 ? a : b;
    const winner = a.status === 200 ? a : b;
    expect(loser.body.error).toBe('conflict');
    expect(loser.body.message).toMatch(/version/);
    const stored = (await f.call('GET', '/api/v1/overrides', { headers: alice })).body.items.find(
      (o: { id: number }) => o.id === id,
    );
    expect(stored.version).toBe(2);
    expect(stored.limitA).toBe(winner.body.limitA);
    await f.call('DELETE', `/api/v1/overrides/${id}`, { headers: alice });
  });

  it('lowers the circuit at once: the next allocation respects it, and the circuit says why', async () => {
    const station = await f.station('st-1', 2);
    station.startMeterValues(500);
    for (const c of [1, 2]) {
      await station.plugIn(c, { maxCurrentA: 32, phases: 3 });
      await station.start(c, `TAG-${c}`);
    }
    type Alloc = { ports: { portId: string; currentA: number }[] };
    const leftTotal = async (): Promise<number> => {
      const r = await f.call('GET', '/api/v1/allocation', { headers: alice });
      return (r.body as Alloc).ports
        .filter((p) => p.portId.startsWith('st-1/'))
        .reduce((sum, p) => sum + p.currentA, 0);
    };
    // Before: the two cars share the 32 A circuit.
    await vi.waitFor(async () => expect(await leftTotal()).toBeGreaterThan(24), {
      timeout: 10_000,
      interval: 100,
    });

    const created = await f.call('POST', '/api/v1/overrides', {
      headers: alice,
      body: { circuitId: 'left', limitA: 16, until: inHours(1), reason: 'test' },
    });
    expect(created.status).toBe(201);
    const t0 = Date.now();
    await vi.waitFor(async () => expect(await leftTotal()).toBeLessThanOrEqual(16), {
      timeout: 5000,
      interval: 50,
    });
    expect(Date.now() - t0).toBeLessThan(5000);
    const allocation = (await f.call('GET', '/api/v1/allocation', { headers: alice })).body as {
      ports: { portId: string; reason: string }[];
    };
    expect(allocation.ports.find((p) => p.portId === 'st-1/1')!.reason).toMatch(/override by alice until/);

    const circuits = await f.call('GET', '/api/v1/circuits', { headers: alice });
    const left = circuits.body.circuits.find((c: { id: string }) => c.id === 'left');
    expect(left.effectiveLimitA).toEqual([16, 16, 16]);
    expect(left.limitA).toEqual([32, 32, 32]);
    // The end's date is named when it falls on another day in the site's time zone (an override made late in
    // the evening): '… until 6 Dec 00:09'.
    expect(left.limitSource).toMatch(/^override by alice until (\d{1,2} \w{3} )?\d\d:\d\d$/);
    expect(left.overrideId).toBe(created.body.id);

    // Removing it gives the room back.
    expect(
      (await f.call('DELETE', `/api/v1/overrides/${created.body.id as number}`, { headers: alice })).status,
    ).toBe(204);
    await vi.waitFor(async () => expect(await leftTotal()).toBeGreaterThan(24), {
      timeout: 5000,
      interval: 50,
    });
  }, 30_000);
});
