/**
 * Authorize answers Fusebox gave during a cloud outage are stored and replayed to the cloud in order, before
 * the transaction they led to (docs/proxy.md). A real OcppServer and SQLite file, simulated stations, a
 * test cloud on 127.0.0.1 that is down, then back.
 */
import { describe, expect, it } from 'vitest';
import { eventually } from '../ocpp/testing/ocpp-harness.ts';
import { SimulatedStation } from '../sim/devices/ocpp-station.ts';
import { closeAfterEach } from './testing/close-after-each.ts';
import type { Proxied } from './testing/proxied-harness.ts';
import { startProxied } from './testing/proxied-harness.ts';
import { TestCloud } from './testing/test-cloud.ts';

let cloud: TestCloud | undefined;
let p: Proxied | undefined;
const stations = closeAfterEach(() => [p, cloud]);

describe('Authorize answered during an outage', () => {
  it.each(['1.6', '2.0.1'] as const)(
    'OCPP %s: is replayed before the transaction it led to, and the cloud answer fills the cache',
    async (version) => {
      cloud = await TestCloud.start();
      await cloud.goDown();
      p = await startProxied({ cloudUrl: cloud.url, stations: [{ id: 'CP1', version }] });
      const st = new SimulatedStation({ url: p.h.url, stationId: 'CP1', version, ports: 1 });
      stations.push(st);
      await st.connect();
      await eventually(() => p!.proxy.status('CP1').state === 'outage', 'outage seen');
      await st.plugIn(1);
      const { accepted } = await st.start(1, 'DRIVER-7');
      expect(accepted).toBe(true);
      await st.stop(1);
      // The Authorize is stored (SQLite) like the transaction messages.
      const stored = p.h.store.db
        .prepare("SELECT action FROM proxy_outbox WHERE state = 'queued' ORDER BY id")
        .all() as { action: string }[];
      expect(stored[0]).toEqual({ action: 'Authorize' });

      cloud.up();
      await eventually(() => p!.proxy.status('CP1').queueDepth === 0, 'queue drained', 30_000);
      const tx = cloud
        .of('CP1', ['Authorize', 'StartTransaction', 'StopTransaction', 'TransactionEvent'])
        .map((c) => c.action);
      expect(tx[0]).toBe('Authorize');
      expect(tx.slice(1)).not.toContain('Authorize');
      expect(tx[1]).toBe(version === '1.6' ? 'StartTransaction' : 'TransactionEvent');
      const auth = cloud.of('CP1', ['Authorize'])[0]!.payload;
      expect(auth).toEqual(
        version === '1.6' ? { idTag: 'DRIVER-7' } : { idToken: { idToken: 'DRIVER-7', type: 'ISO14443' } },
      );
      // The cloud's answer to the replayed Authorize is cached for the next outage.
      await eventually(
        async () => (await p!.h.store.ocpp.findIdTag('DRIVER-7'))?.source === 'cache',
        'cloud answer cached',
      );
    },
    40_000,
  );
});
