/**
 * The set-up the OCPP server tests share (vitest only): harnesses and simulated stations a test opens, all
 * closed after each test, and the usual one station CP1 (two ports) connected to a fresh harness.
 */
import { afterEach } from 'vitest';
import type { OcppVersion } from '../../contracts/station-gateway.ts';
import { SimulatedStation } from '../../sim/devices/ocpp-station.ts';
import type { SimStationOptions } from '../../sim/devices/ocpp-station-types.ts';
import type { Harness, HarnessOptions } from './ocpp-harness.ts';
import { startHarness } from './ocpp-harness.ts';

export interface OcppPerTest {
  /** The harness the test started last; throws when it started none. */
  readonly h: Harness;
  /** Starts a harness, closed after the test. */
  start(options?: HarnessOptions): Promise<Harness>;
  /** A simulated station (not yet connected) on `url` (default: the last harness's), closed after the test. */
  station(options: Omit<SimStationOptions, 'url'> & { readonly url?: string }): SimulatedStation;
  /**
   * A harness with CP1 (two ports, `version`; `options` on top), and CP1 connected to it: booted unless `boot`
   * is false. `sim` adds to the station's options.
   */
  cp1(
    version: OcppVersion,
    options?: HarnessOptions,
    sim?: Partial<SimStationOptions>,
    boot?: boolean,
  ): Promise<SimulatedStation>;
  /** The messages of the events of `kind` the last harness stored, oldest first. */
  eventMessages(kind: string): string[];
}

/**
 * Registers the afterEach that runs `beforeClose` (what uses the harness: control loops), closes every
 * station the test opened, then disposes every harness it started, last first: a restarted one (same dbPath)
 * shares the first one's temporary directory, which goes with the first.
 */
export function ocppPerTest(beforeClose: () => void = () => undefined): OcppPerTest {
  const harnesses: Harness[] = [];
  const sims: SimulatedStation[] = [];
  afterEach(async () => {
    beforeClose();
    await Promise.allSettled(sims.splice(0).map((s) => s.close()));
    for (const h of harnesses.splice(0).reverse()) await h.dispose();
  });
  const t: OcppPerTest = {
    get h(): Harness {
      const h = harnesses.at(-1);
      if (!h) throw new Error('ocppPerTest: the test started no harness');
      return h;
    },
    async start(options = {}) {
      const h = await startHarness(options);
      harnesses.push(h);
      return h;
    },
    station(options) {
      const st = new SimulatedStation({ url: t.h.url, ...options });
      sims.push(st);
      return st;
    },
    async cp1(version, options = {}, sim = {}, boot = true) {
      await t.start({ stations: [{ id: 'CP1', ports: 2, version }], ...options });
      const st = t.station({ stationId: 'CP1', version, ports: 2, ...sim });
      await st.connect({ boot });
      return st;
    },
    eventMessages(kind) {
      const rows = t.h.store.db
        .prepare('SELECT message FROM events WHERE kind = ? ORDER BY id')
        .all(kind) as { message: string }[];
      return rows.map((e) => e.message);
    },
  };
  return t;
}
