/**
 * Fusebox and a real Mosquitto broker (Debian `mosquitto`, started here on a free port of 127.0.0.1), with
 * the independent Mosquitto clients as peers: Home Assistant discovery, live values as the simulated site
 * changes, commands obeyed and reverted by their watchdog, bad commands rejected without harm.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestFusebox, stationOn } from '../testing/test-fusebox.ts';
import type { Fusebox } from '../app.ts';
import type { SimulatedStation } from '../sim/devices/ocpp-station.ts';
import type { Mosquitto, Subscriber } from './testing/mosquitto.ts';
import { publish, startMosquitto, subscribe } from './testing/mosquitto.ts';

const WATCHDOG_S = 5;

const site = (url: string): string => `
site: { name: MQTT test site, timeZone: Europe/Amsterdam }
ocpp: { host: 127.0.0.1 }
http: { host: 127.0.0.1 }
mqtt:
  url: ${url}
  prefix: fbtest
  discoveryPrefix: hatest
  minIntervalMs: 100
  commands: true
  watchdogS: ${WATCHDOG_S}
circuits:
  - { id: main, kind: grid, limitA: 63 }
  - { id: left, parent: main, limitA: 32 }
  - { id: right, parent: main, limitA: 32 }
stations:
  - { id: st-1, circuit: left, ocppVersion: '1.6' }
  - { id: st-2, circuit: right, ocppVersion: '2.0.1', ports: [{ phases: L1 }] }
`;

type Json = Record<string, unknown>;

const dir = mkdtempSync(join(tmpdir(), 'fusebox-mqtt-'));
let broker: Mosquitto;
let sub: Subscriber;
let fusebox: Fusebox | undefined;
const sims: SimulatedStation[] = [];

beforeAll(async () => {
  broker = await startMosquitto();
  sub = await subscribe(broker, '#');
});

afterAll(async () => {
  await Promise.allSettled(sims.map((s) => s.close()));
  await fusebox?.stop();
  await sub?.stop();
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const json = (topic: string): Json | undefined => {
  const m = sub.last(topic);
  return m ? (JSON.parse(m.payload) as Json) : undefined;
};

/** Waits for the latest message on a topic to pass `check` (a live value published by Fusebox). */
async function until(topic: string, check: (payload: Json) => void, timeout = 20_000): Promise<Json> {
  let out: Json | undefined;
  await vi.waitFor(
    () => {
      out = json(topic);
      expect(out, `no message on ${topic}`).toBeDefined();
      check(out!);
    },
    { timeout, interval: 50 },
  );
  return out!;
}

/** Error messages published on fbtest/error since `from` (index in sub.messages). */
const errorsSince = (from: number): Json[] =>
  sub.messages
    .slice(from)
    .filter((m) => m.topic === 'fbtest/error')
    .map((m) => JSON.parse(m.payload) as Json);

/** `value_json.a.b[0]` in a Home Assistant template, read from a payload. */
function templateValue(template: string, payload: Json): unknown {
  const path = /value_json((?:\.[A-Za-z0-9_]+|\[\d+\])+)/.exec(template)?.[1];
  if (!path) throw new Error(`template without value_json: ${template}`);
  let v: unknown = payload;
  for (const part of path.match(/\.[A-Za-z0-9_]+|\[\d+\]/g)!) {
    const key = part.startsWith('.') ? part.slice(1) : Number(part.slice(1, -1));
    v = (v as Record<string | number, unknown>)[key];
  }
  return v;
}

describe('MQTT with a real Mosquitto broker', () => {
  it('announces the sensors to Home Assistant, publishes live values, obeys commands and their watchdog, and rejects bad commands', async () => {
    // A command left retained on the broker (by a careless client, long ago): replayed when Fusebox subscribes.
    await publish(broker, 'fbtest/port/st-1/1/limit/set', '5', { retain: true });
    fusebox = await startTestFusebox(site(broker.url), dir, {
      control: { coalesceMs: 20 },
    });
    const f = fusebox;

    // Availability: online, retained (the will says offline if Fusebox dies).
    await vi.waitFor(() => expect(sub.last('fbtest/status')).toMatchObject({ payload: 'online' }), {
      timeout: 20_000,
    });
    expect(sub.last('fbtest/status')!.retained).toBe(true);

    // The stale retained command is refused, named on fbtest/error, and not in force; then cleared.
    await vi.waitFor(() => expect(errorsSince(0)).toHaveLength(1), { timeout: 20_000 });
    expect(errorsSince(0)[0]).toMatchObject({
      topic: 'fbtest/port/st-1/1/limit/set',
      payload: '5',
      error: expect.stringMatching(/retained command is ignored/) as string,
    });
    expect(sub.last('fbtest/error')!.retained).toBe(false);
    await until('fbtest/commands', (p) =>
      expect(p).toMatchObject({ enabled: true, watchdogS: 5, ports: {} }),
    );
    await publish(broker, 'fbtest/port/st-1/1/limit/set', '', { retain: true });

    // Ports of stations not connected yet: published, retained, offline, no limit.
    const idle = await until('fbtest/port/st-1/1', (p) => expect(p.state).toBe('offline'));
    expect(idle).toMatchObject({
      id: 'st-1/1',
      stationId: 'st-1',
      circuitId: 'left',
      connected: false,
      limitA: 0,
    });
    expect(sub.last('fbtest/port/st-1/1')!.retained).toBe(true);

    // Home Assistant discovery: every config message is retained JSON with the fields HA needs.
    // 13 site sensors (9 sensors, 4 alarms), 6 per three-phase circuit (3 of them), 6 per port (2 of them).
    const expected = 13 + 6 * 3 + 6 * 2;
    await vi.waitFor(
      () => expect(sub.messages.filter((m) => m.topic.startsWith('hatest/')).length).toBe(expected),
      { timeout: 20_000 },
    );
    const configs = new Map(
      sub.messages
        .filter((m) => m.topic.startsWith('hatest/'))
        .map((m) => {
          expect(m.retained, m.topic).toBe(true);
          expect(m.topic).toMatch(/^hatest\/(sensor|binary_sensor)\/fbtest\/[a-z0-9_]+\/config$/);
          return [m.topic, JSON.parse(m.payload) as Json] as const;
        }),
    );
    const uniqueIds = new Set<unknown>();
    for (const [topic, c] of configs) {
      expect(c, topic).toMatchObject({
        name: expect.any(String) as string,
        unique_id: expect.stringMatching(/^fbtest_/) as string,
        state_topic: expect.stringMatching(/^fbtest\//) as string,
        value_template: expect.stringContaining('value_json') as string,
        availability_topic: 'fbtest/status',
        payload_available: 'online',
        payload_not_available: 'offline',
        device: { identifiers: [expect.stringMatching(/^fbtest/) as string], manufacturer: 'Fusebox' },
      });
      uniqueIds.add(c.unique_id);
      // The state topic is one Fusebox publishes, and the template reads a field its payload has.
      const state = json(c.state_topic as string);
      expect(state, `${topic}: nothing on ${String(c.state_topic)}`).toBeDefined();
      expect(templateValue(c.value_template as string, state!), topic).not.toBeUndefined();
    }
    expect(uniqueIds.size).toBe(configs.size);
    expect(configs.get('hatest/sensor/fbtest/site_power/config')).toMatchObject({
      unit_of_measurement: 'kW',
      device_class: 'power',
      state_class: 'measurement',
      device: { name: 'MQTT test site' },
    });
    expect(configs.get('hatest/sensor/fbtest/port_st_1_1_current/config')).toMatchObject({
      state_topic: 'fbtest/port/st-1/1',
      unit_of_measurement: 'A',
      device_class: 'current',
      state_class: 'measurement',
      device: { identifiers: ['fbtest_station_st_1'], via_device: 'fbtest' },
    });
    expect(configs.get('hatest/sensor/fbtest/port_st_1_1_energy/config')).toMatchObject({
      unit_of_measurement: 'kWh',
      device_class: 'energy',
      state_class: 'total_increasing',
    });
    expect(configs.get('hatest/sensor/fbtest/circuit_left_load_l1/config')).toMatchObject({
      state_topic: 'fbtest/circuit/left',
      unit_of_measurement: 'A',
    });
    expect(configs.has('hatest/sensor/fbtest/circuit_right_load_l3/config')).toBe(true);
    expect(configs.get('hatest/binary_sensor/fbtest/site_meter_stale/config')).toMatchObject({
      device_class: 'problem',
      payload_on: 'ON',
      payload_off: 'OFF',
    });

    // The site changes: a car starts charging on st-1. Its port, its session and an event follow.
    const st = stationOn(f, 'st-1');
    sims.push(st);
    await st.connect();
    await st.plugIn(1);
    await st.start(1, 'TAG1');
    st.startMeterValues(500);
    const charging = await until('fbtest/port/st-1/1', (p) => {
      expect(p.state).toBe('charging');
      expect(p.limitA).toBeGreaterThan(20); // the 32 A circuit less its margin: the car alone on it
      expect(p.currentA).toBeGreaterThan(0);
    });
    const fullA = charging.limitA as number;
    expect(f.control.snapshot()!.allocation.find((a) => a.portId === 'st-1/1')!.currentA).toBe(fullA);
    expect(charging.reason).toEqual(expect.any(String) as string);
    expect(charging.session).toMatchObject({
      id: expect.any(Number) as number,
      energyKwh: expect.any(Number) as number,
    });
    await until('fbtest/sessions', (p) =>
      expect(p.active).toEqual([expect.objectContaining({ portId: 'st-1/1' }) as Json]),
    );
    await vi.waitFor(() =>
      expect(
        sub.messages
          .filter((m) => m.topic === 'fbtest/event')
          .map((m) => (JSON.parse(m.payload) as Json).kind),
      ).toContain('session-started'),
    );
    expect(sub.messages.find((m) => m.topic === 'fbtest/event')!.retained).toBe(false);
    await until('fbtest/circuit/left', (p) => expect((p.loadA as number[])[0]).toBeGreaterThan(0));
    await until('fbtest/site', (p) => expect(p.activeSessions).toBe(1));

    // A circuit command lowers the circuit: the port follows, the station is sent 16 A; `none` lifts it.
    await publish(broker, 'fbtest/circuit/left/limit/set', '16');
    await until('fbtest/port/st-1/1', (p) => expect(p.limitA).toBe(16));
    await vi.waitFor(() => expect(st.currentLimitA(1)).toBe(16), { timeout: 20_000 });
    await until('fbtest/commands', (p) => expect(p.circuits).toEqual({ left: 16 }));
    await publish(broker, 'fbtest/circuit/left/limit/set', 'none');
    await until('fbtest/port/st-1/1', (p) => expect(p.limitA).toBe(fullA));

    // A port command (JSON form) is obeyed, then reverts by itself when not published again in time.
    const sentAt = Date.now();
    await publish(broker, 'fbtest/port/st-1/1/limit/set', '{"limitA": 10}');
    await until('fbtest/port/st-1/1', (p) => expect(p).toMatchObject({ limitA: 10, commandLimitA: 10 }));
    await vi.waitFor(() => expect(st.currentLimitA(1)).toBe(10), { timeout: 20_000 });
    await until('fbtest/commands', (p) => expect(p.ports).toEqual({ 'st-1/1': 10 }));
    await until(
      'fbtest/port/st-1/1',
      (p) => expect(p).toMatchObject({ limitA: fullA, commandLimitA: null }),
      60_000,
    );
    const revertedAfterMs = Date.now() - sentAt;
    expect(revertedAfterMs).toBeGreaterThanOrEqual(WATCHDOG_S * 1000);
    await until('fbtest/commands', (p) => {
      expect(p.ports).toEqual({});
      expect(p.watchdogExpired).toBe(true);
    });

    // Bad commands: each named on fbtest/error, none applied, Fusebox keeps running.
    const from = sub.messages.length;
    const bad: [string, string, RegExp][] = [
      ['fbtest/port/st-1/1/limit/set', 'abc', /not a number/],
      ['fbtest/port/st-1/1/limit/set', '-5', /negative/],
      ['fbtest/port/st-1/1/limit/set', '{"limitA": "x"}', /not a number/],
      ['fbtest/circuit/left/limit/set', '1000', /above .*32 A/],
      ['fbtest/port/st-9/1/limit/set', '5', /unknown port 'st-9\/1'/],
      ['fbtest/circuit/nope/limit/set', '5', /unknown circuit 'nope'/],
    ];
    for (const [topic, payload] of bad) await publish(broker, topic, payload);
    await vi.waitFor(() => expect(errorsSince(from).length).toBe(bad.length), { timeout: 20_000 });
    const errors = errorsSince(from);
    bad.forEach(([topic, payload, message], i) =>
      expect(errors[i], `${topic} ${payload}`).toMatchObject({
        topic,
        payload,
        error: expect.stringMatching(message) as string,
      }),
    );
    const before = f.control.snapshot()!.runs;
    await vi.waitFor(() => expect(f.control.snapshot()!.runs).toBeGreaterThan(before), { timeout: 20_000 });
    expect(json('fbtest/port/st-1/1')!.limitA).toBe(fullA);
    expect(st.currentLimitA(1)).toBe(fullA);

    // Shutdown: offline, retained.
    await f.stop();
    fusebox = undefined;
    await vi.waitFor(() =>
      expect(sub.last('fbtest/status')).toMatchObject({ payload: 'offline', retained: true }),
    );
  }, 120_000);
});
