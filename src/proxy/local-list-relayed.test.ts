/**
 * Local lists of relayed stations (docs/proxy.md, "Local lists"): the cloud owns a relayed station's list
 * (its SendLocalList reaches the station, with the cloud's version); Fusebox never sends its own list there,
 * though a station that is not relayed gets it as usual. Real WebSockets, a real SQLite file, a test cloud.
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../ocpp/testing/ocpp-harness.ts';
import type { LocalListOutcome } from '../ocpp/local-list-sync.ts';
import { LocalListSync } from '../ocpp/local-list-sync.ts';
import { SimulatedStation } from '../sim/devices/ocpp-station.ts';
import type { Proxied } from './testing/proxied-harness.ts';
import { settingsFor, startProxied } from './testing/proxied-harness.ts';
import { TestCloud } from './testing/test-cloud.ts';

let cloud: TestCloud | undefined;
let p: Proxied | undefined;
let sync: LocalListSync | undefined;
const stations: SimulatedStation[] = [];
afterEach(async () => {
  sync?.stop();
  await Promise.allSettled(stations.splice(0).map((s) => s.close()));
  await p?.dispose();
  await cloud?.close();
  p = undefined;
  cloud = undefined;
});

describe('SendLocalList for a relayed station', () => {
  it("the cloud's list reaches the station; Fusebox's own goes only to stations that are not relayed", async () => {
    cloud = await TestCloud.start();
    const base = settingsFor(cloud.url);
    p = await startProxied({
      cloudUrl: cloud.url,
      stations: [
        { id: 'RELAYED', version: '1.6' },
        { id: 'LOCAL', version: '1.6' },
      ],
      settings: {
        ...base,
        stationFor: (id) => (id === 'RELAYED' ? base.stationFor(id) : undefined),
        disabled: (id) => id !== 'RELAYED',
      },
    });
    const proxy = p.proxy;
    await p.h.store.localList.put({ idTag: 'STAFF', status: 'Accepted' });
    sync = new LocalListSync({
      gateway: p.h.server,
      store: p.h.store.localList,
      log: pino({ level: 'silent' }),
      connectDelayMs: 0,
      ownedElsewhere: (id) => proxy.isRelayed(id),
    });
    const outcomes = new Map<string, LocalListOutcome[]>();
    sync.onOutcome((id, o) => outcomes.set(id, [...(outcomes.get(id) ?? []), o]));
    sync.start();
    const [relayed, local] = ['RELAYED', 'LOCAL'].map((id) => {
      const st = new SimulatedStation({
        url: p!.h.url,
        stationId: id,
        version: '1.6',
        ports: 1,
        localList: true,
      });
      stations.push(st);
      return st;
    });
    await relayed!.connect();
    await local!.connect();
    await eventually(() => local!.localList!.version === 1, 'the station that is not relayed has version 1');
    await eventually(() => (outcomes.get('RELAYED') ?? []).length > 0, 'the relayed station checked', 20_000);
    expect(outcomes.get('RELAYED')).toEqual([{ kind: 'owned-elsewhere' }]);
    expect(relayed!.received.filter((r) => r.action === 'SendLocalList')).toEqual([]);

    // The cloud manages the list with its own versions.
    await eventually(() => cloud!.clients.has('RELAYED'), 'relayed to the cloud');
    const cloudList = {
      listVersion: 41,
      updateType: 'Full',
      localAuthorizationList: [{ idTag: 'CLOUD-CARD', idTagInfo: { status: 'Accepted' } }],
    };
    expect(await cloud.call('RELAYED', 'SendLocalList', cloudList)).toEqual({ status: 'Accepted' });
    expect(await cloud.call('RELAYED', 'GetLocalListVersion', {})).toEqual({ listVersion: 41 });

    // A change of Fusebox's list goes to the station that is not relayed only.
    await p.h.store.localList.put({ idTag: 'STAFF-2', status: 'Accepted' });
    sync.changed();
    await eventually(
      () => local!.localList!.version === 2,
      'the change reached the station that is not relayed',
    );
    await eventually(() => outcomes.get('RELAYED')!.length === 2, 'the relayed station checked again');
    expect(outcomes.get('RELAYED')![1]).toEqual({ kind: 'owned-elsewhere' });
    expect(relayed!.localList!.version).toBe(41);
    expect([...relayed!.localList!.entries.keys()]).toEqual(['CLOUD-CARD']);
  }, 60_000);
});
