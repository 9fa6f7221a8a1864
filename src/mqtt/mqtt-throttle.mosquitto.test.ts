/**
 * MQTT publishing does not flood and survives the broker: a burst of changes gives at most one publication
 * per `minIntervalMs` per topic, the last change still published; after the broker restarts (losing every
 * retained message) Fusebox publishes its availability and state again and takes commands again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { startTestFusebox, stationOn } from '../testing/test-fusebox.ts';
import type { Fusebox } from '../app.ts';
import type { SimulatedStation } from '../sim/devices/ocpp-station.ts';
import type { Mosquitto, Subscriber } from './testing/mosquitto.ts';
import { publish, startMosquitto, subscribe } from './testing/mosquitto.ts';

const MIN_INTERVAL_MS = 2000;
const PORT_TOPIC = 'fbslow/port/st-a/1';

const dir = mkdtempSync(join(tmpdir(), 'fusebox-mqtt-slow-'));
let broker: Mosquitto | undefined;
const subs: Subscriber[] = [];
let fusebox: Fusebox | undefined;
let station: SimulatedStation | undefined;

afterAll(async () => {
  await station?.close();
  await fusebox?.stop();
  await Promise.allSettled(subs.map((s) => s.stop()));
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const limitOf = (payload: string): unknown => (JSON.parse(payload) as { limitA: unknown }).limitA;

describe('MQTT publishing over time', () => {
  it('publishes a burst of changes at most once per interval, the last one included, and again after a broker restart', async () => {
    broker = await startMosquitto();
    const sub = await subscribe(broker, 'fbslow/#');
    subs.push(sub);
    fusebox = await startTestFusebox(
      `
site: { name: slow, timeZone: Europe/Amsterdam }
ocpp: { host: 127.0.0.1 }
http: { host: 127.0.0.1 }
mqtt: { url: "${broker.url}", prefix: fbslow, discovery: false, minIntervalMs: ${MIN_INTERVAL_MS}, commands: true, watchdogS: 60 }
circuits:
  - { id: main, limitA: 32 }
stations:
  - { id: st-a, circuit: main }
`,
      dir,
      {
        control: { coalesceMs: 20 },
      },
    );
    const f = fusebox;
    station = stationOn(f, 'st-a');
    await station.connect();
    await station.plugIn(1);
    await station.start(1, 'T');
    await vi.waitFor(
      () => expect(JSON.parse(sub.last(PORT_TOPIC)?.payload ?? '{}')).toMatchObject({ state: 'charging' }),
      {
        timeout: 30_000,
      },
    );

    // A burst: the port limit changes 16 times in ~5 s (a command every 300 ms, 6 A and 7 A in turn).
    const from = sub.messages.length;
    const runsBefore = f.control.snapshot()!.runs;
    const t0 = Date.now();
    let last = 0;
    for (let i = 0; i < 16; i++) {
      last = i % 2 === 0 ? 6 : 7;
      await publish(broker, 'fbslow/port/st-a/1/limit/set', String(last));
      await new Promise((r) => setTimeout(r, 300));
    }
    const burstMs = Date.now() - t0;
    // The last change arrives, within an interval or two of the burst's end.
    await vi.waitFor(() => expect(limitOf(sub.last(PORT_TOPIC)!.payload)).toBe(last), { timeout: 20_000 });
    const published = sub.messages.slice(from).filter((m) => m.topic === PORT_TOPIC);
    const runs = f.control.snapshot()!.runs - runsBefore;
    expect(runs).toBeGreaterThanOrEqual(16); // every command made a run, and a change of the port's limit
    // At most one publication per interval (and one at the start): far fewer than the changes.
    expect(published.length).toBeLessThanOrEqual(Math.ceil((Date.now() - t0) / MIN_INTERVAL_MS) + 1);
    expect(published.length).toBeLessThan(16);
    for (let i = 1; i < published.length; i++)
      // Sent at least MIN_INTERVAL_MS apart; received at least half of it apart (delivery jitter).
      expect(published[i]!.atMs - published[i - 1]!.atMs).toBeGreaterThan(MIN_INTERVAL_MS / 2);
    expect(burstMs).toBeGreaterThan(4000);

    // The broker restarts on the same port with nothing retained: Fusebox reconnects and publishes again.
    const port = broker.port;
    await broker.stop();
    broker = await startMosquitto({ port });
    const late = await subscribe(broker, 'fbslow/#');
    subs.push(late);
    await vi.waitFor(
      () => expect(late.last('fbslow/status')).toMatchObject({ payload: 'online', retained: true }),
      {
        timeout: 30_000,
      },
    );
    await vi.waitFor(() => expect(limitOf(late.last(PORT_TOPIC)?.payload ?? '{}')).toBe(last), {
      timeout: 20_000,
    });
    // Commands are taken again (re-subscribed): lifting the limit gives the port its share back.
    await publish(broker, 'fbslow/port/st-a/1/limit/set', 'none');
    await vi.waitFor(() => expect(limitOf(late.last(PORT_TOPIC)!.payload)).toBeGreaterThan(7), {
      timeout: 20_000,
    });
  }, 120_000);
});
