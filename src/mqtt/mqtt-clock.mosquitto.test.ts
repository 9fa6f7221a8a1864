/**
 * The MQTT command watchdog counts time that passed, not the wall clock: a step back of the wall clock (NTP
 * correcting a wrong real-time clock) does not keep a command in force longer. The bridge against a real
 * Mosquitto, on a virtual clock whose wall clock is stepped.
 */
import { pino } from 'pino';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { loadSiteConfigText } from '../config/load.ts';
import type { EmsCommands } from '../contracts/ems-commands.ts';
import { VirtualClock } from '../sim/world/virtual-clock.ts';
import { MqttBridge } from './mqtt-bridge.ts';
import { mqttConfigSchema } from './mqtt-config.ts';
import type { Mosquitto } from './testing/mosquitto.ts';
import { publish, startMosquitto } from './testing/mosquitto.ts';

let broker: Mosquitto | undefined;
let bridge: MqttBridge | undefined;

afterAll(async () => {
  await bridge?.close();
  await broker?.stop();
});

describe('MQTT command watchdog and the wall clock', () => {
  it('reverts a command on time when the wall clock steps back meanwhile', async () => {
    broker = await startMosquitto();
    const loaded = loadSiteConfigText(
      `
site: { name: clock, timeZone: Europe/Berlin }
circuits:
  - { id: grid, limitA: 100 }
stations:
  - { id: s, circuit: grid }
`,
      'clock.yaml',
    );
    if (!loaded.ok) throw new Error(loaded.problems.map((p) => p.message).join('\n'));
    const clock = new VirtualClock(Date.UTC(2026, 11, 6));
    const seen: EmsCommands[] = [];
    bridge = new MqttBridge({
      mqtt: mqttConfigSchema.parse({
        url: broker.url,
        prefix: 'fbclock',
        discovery: false,
        commands: true,
        watchdogS: 5,
      }),
      config: loaded.config,
      configDir: '.',
      live: {
        site: () => loaded.compiled,
        snapshot: () => null,
        onRun: () => {},
        ports: () => [],
        openSessions: () => [],
        onEvent: () => () => {},
      },
      onCommands: (c) => seen.push(c),
      logger: pino({ level: 'silent' }),
      clock,
    });
    // The bridge subscribes once connected: publish until the command is taken.
    const limit = (): number | undefined => seen.at(-1)?.circuitLimitA.get('grid');
    await vi.waitFor(
      async () => {
        if (limit() !== 40) await publish(broker!, 'fbclock/circuit/grid/limit/set', '40');
        expect(limit()).toBe(40);
      },
      { timeout: 30_000, interval: 500 },
    );
    const taken = seen.length;
    await clock.advanceBy(2000);
    clock.stepWallClock(-3_600_000); // an hour back: on the wall clock the command would live an hour more
    await clock.advanceBy(2999);
    expect(seen).toHaveLength(taken);
    expect(bridge.commandsInForce().circuitLimitA.get('grid')).toBe(40);
    await clock.advanceBy(2);
    expect(seen.at(-1)).toMatchObject({ watchdogExpired: true, circuitLimitA: new Map() });
  });
});
