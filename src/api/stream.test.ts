/** The live stream: real HTTP, events parsed as a browser's EventSource would. */
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-assignment -- assertions read JSON payloads */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { VirtualClock } from '../sim/world/virtual-clock.ts';
import { LiveHub } from './live-hub.ts';
import { useApiFixture } from './testing/api-fixture.ts';

interface SseEvent {
  readonly event: string;
  readonly data: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- parsed JSON
}

/** Opens an SSE stream and collects its events (and comment lines) until closed. */
async function openStream(url: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const res = await fetch(url, { headers, signal: controller.signal });
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const done = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body!) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let i: number;
        while ((i = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          const lines = block.split('\n');
          for (const l of lines) if (l.startsWith(':')) comments.push(l);
          const event = lines.find((l) => l.startsWith('event: '))?.slice(7);
          const data = lines.find((l) => l.startsWith('data: '))?.slice(6);
          if (event && data) events.push({ event, data: JSON.parse(data) });
        }
      }
    } catch {
      // aborted
    }
  })();
  return {
    res,
    events,
    comments,
    async close() {
      controller.abort();
      await done;
    },
  };
}

const { f } = useApiFixture({ login: [] });

describe('GET /api/v1/stream', () => {
  it('needs a login', async () => {
    expect((await f.call('GET', '/api/v1/stream')).status).toBe(401);
  });

  it('sends circuits and ports at once, then a change within a second of the write that made it', async () => {
    const alice = await f.login('alice');
    const s = await openStream(`${f.url}/api/v1/stream`, alice);
    try {
      expect(s.res.status).toBe(200);
      expect(s.res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      await vi.waitFor(() => expect(s.events.map((e) => e.event)).toEqual(['circuits', 'ports']), {
        timeout: 3000,
      });
      expect(s.events[0]!.data.circuits.map((c: { id: string }) => c.id)).toEqual(['main', 'left', 'right']);

      const t0 = Date.now();
      const created = await f.call('POST', '/api/v1/overrides', {
        headers: alice,
        body: { circuitId: 'left', limitA: 16, until: new Date(Date.now() + 3600_000).toISOString() },
      });
      expect(created.status).toBe(201);
      await vi.waitFor(
        () => {
          const circuits = s.events.filter((e) => e.event === 'circuits').at(-1)!;
          const left = circuits.data.circuits.find((c: { id: string }) => c.id === 'left');
          expect(left.effectiveLimitA).toEqual([16, 16, 16]);
        },
        { timeout: 3000, interval: 20 },
      );
      expect(Date.now() - t0).toBeLessThan(1500);
      const overrides = s.events.find((e) => e.event === 'overrides');
      expect(overrides?.data.items[0]).toMatchObject({ id: created.body.id, limitA: 16, createdBy: 'alice' });
      await vi.waitFor(() => {
        const audit = s.events.find((e) => e.event === 'event' && e.data.kind === 'audit');
        expect(audit?.data.message).toMatch(/^alice: override/);
      });
    } finally {
      await s.close();
    }
  });
});

describe('LiveHub', () => {
  it('throttles runs, sends only what changed, and pings (on its clock)', async () => {
    const clock = new VirtualClock(1_000_000);
    let value = 1;
    let built = 0;
    const hub = new LiveHub(
      () => {
        built++;
        return { circuits: { atMs: clock.nowMs(), v: value }, ports: { atMs: clock.nowMs(), v: 0 } };
      },
      { minIntervalMs: 200, pingMs: 100, clock },
    );
    const server = createServer((_req, res) => hub.attach(res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const s = await openStream(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    try {
      await vi.waitFor(() => expect(s.events).toHaveLength(2));
      hub.onRun(); // first run: both payloads differ from what this hub last sent (nothing): sent
      await vi.waitFor(() => expect(s.events).toHaveLength(4));
      const builtBefore = built;
      for (let i = 0; i < 10; i++) hub.onRun(); // a burst within 200 ms: one build, nothing changed
      await clock.advanceBy(199);
      expect(built - builtBefore).toBe(0);
      await clock.advanceBy(1);
      expect(built - builtBefore).toBe(1);
      await clock.advanceBy(1000);
      expect(built - builtBefore).toBe(1);
      value = 2;
      hub.onRun();
      // The stream is in order: the changed circuits come next, so the burst sent nothing.
      await vi.waitFor(() => expect(s.events).toHaveLength(5));
      expect(s.events[4]).toMatchObject({ event: 'circuits', data: { v: 2 } });
      hub.publish('overrides', { items: [] });
      await vi.waitFor(() => expect(s.events.at(-1)).toEqual({ event: 'overrides', data: { items: [] } }));
      await vi.waitFor(() => expect(s.comments).toContain(': ping'));
      hub.close();
      expect(clock.pendingTimers).toBe(0);
    } finally {
      hub.close();
      await s.close();
      await new Promise((r) => server.close(r));
    }
  });
  it('keeps sending at its interval after the wall clock stepped back an hour', async () => {
    const clock = new VirtualClock(10_000_000);
    let value = 1;
    const hub = new LiveHub(() => ({ circuits: { v: value }, ports: { v: 0 } }), {
      minIntervalMs: 200,
      pingMs: 60_000,
      clock,
    });
    const server = createServer((_req, res) => hub.attach(res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const s = await openStream(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    try {
      await vi.waitFor(() => expect(s.events).toHaveLength(2));
      value = 2;
      hub.onRun(); // the hub's first run: both sent
      await vi.waitFor(() => expect(s.events).toHaveLength(4));
      clock.stepWallClock(-3_600_000); // an NTP step back
      await clock.advanceBy(1000);
      value = 3;
      hub.onRun();
      // Sent within the interval, not an hour later when the stepped clock reaches the last send again.
      await clock.advanceBy(200);
      await vi.waitFor(() => expect(s.events.at(-1)).toMatchObject({ event: 'circuits', data: { v: 3 } }));
    } finally {
      hub.close();
      await s.close();
      await new Promise((r) => server.close(r));
    }
  });
});
