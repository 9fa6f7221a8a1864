/**
 * SendLocalList (OCPP 1.6 §5.15, 2.0.1 D01): the operator's local list goes to the stations that keep one,
 * when they connect with another version and whenever it changes; over real WebSockets and a real SQLite file.
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedStation } from '../sim/devices/ocpp-station.ts';
import type { LocalListOutcome } from './local-list-sync.ts';
import { LocalListSync } from './local-list-sync.ts';
import type { OcppVersion } from '../contracts/station-gateway.ts';
import type { Harness } from './testing/ocpp-harness.ts';
import { eventually, startHarness } from './testing/ocpp-harness.ts';

const harnesses: Harness[] = [];
const sims: SimulatedStation[] = [];
const syncs: LocalListSync[] = [];
afterEach(async () => {
  for (const s of syncs.splice(0)) s.stop();
  for (const s of sims.splice(0)) await s.close().catch(() => undefined);
  for (const h of harnesses.splice(0)) await h.dispose();
});

const EXPIRES = Date.UTC(2027, 0, 1);

async function setup(version: OcppVersion, localList: boolean) {
  const h = await startHarness({ stations: [{ id: 'CP1', ports: 1, version }] });
  harnesses.push(h);
  const store = h.store.localList;
  await store.put({ idTag: 'CARD-1', status: 'Accepted', expiresMs: EXPIRES, parentIdTag: 'FLEET' });
  await store.put({ idTag: 'CARD-2', status: 'Blocked' });
  const sync = new LocalListSync({
    gateway: h.server,
    store,
    log: pino({ level: 'silent' }),
    connectDelayMs: 0,
  });
  syncs.push(sync);
  const outcomes: LocalListOutcome[] = [];
  sync.onOutcome((stationId, o) => stationId === 'CP1' && outcomes.push(o));
  sync.start();
  const st = new SimulatedStation({ url: h.url, stationId: 'CP1', version, ports: 1, localList });
  sims.push(st);
  return { h, st, store, sync, outcomes };
}

const calls = (st: SimulatedStation, action: string) => st.received.filter((r) => r.action === action);

describe('OCPP 1.6: SendLocalList', () => {
  it('sends the full list on connect when the station has another version, then each change; not again on reconnect', async () => {
    const { h, st, store, sync, outcomes } = await setup('1.6', true);
    await st.connect();
    await eventually(() => st.localList!.version === 2, 'the station took version 2');
    expect(calls(st, 'SendLocalList').map((c) => c.payload)).toEqual([
      {
        listVersion: 2,
        updateType: 'Full',
        localAuthorizationList: [
          {
            idTag: 'CARD-1',
            idTagInfo: {
              status: 'Accepted',
              expiryDate: new Date(EXPIRES).toISOString(),
              parentIdTag: 'FLEET',
            },
          },
          { idTag: 'CARD-2', idTagInfo: { status: 'Blocked' } },
        ],
      },
    ]);
    await eventually(() => store.stationVersion('CP1') === 2, 'the store knows CP1 has version 2');

    await store.remove('CARD-2');
    sync.changed();
    await eventually(() => outcomes.length === 2, 'the change was sent');
    expect(outcomes).toEqual([
      { kind: 'sent', version: 2 },
      { kind: 'sent', version: 3 },
    ]);
    expect(st.localList!.version).toBe(3);
    expect([...st.localList!.entries.keys()]).toEqual(['CARD-1']);

    // Reconnected with the same version: asked, not sent again.
    await st.close();
    const again = new SimulatedStation({
      url: h.url,
      stationId: 'CP1',
      version: '1.6',
      ports: 1,
      localList: true,
    });
    sims.push(again);
    again.localList!.version = 3;
    const before = outcomes.length;
    await again.connect({ boot: false });
    await eventually(() => outcomes.length > before, 'CP1 checked again');
    expect(outcomes.slice(before)).toEqual([{ kind: 'current', version: 3 }]);
    expect(calls(again, 'GetLocalListVersion')).toHaveLength(1);
    expect(calls(again, 'SendLocalList')).toEqual([]);
  });

  it('leaves a station without LocalAuthListManagement alone', async () => {
    const { st, store, sync, outcomes } = await setup('1.6', false);
    await st.connect();
    await eventually(() => outcomes.length === 1, 'CP1 checked');
    await store.put({ idTag: 'CARD-3', status: 'Accepted' });
    sync.changed();
    await eventually(() => outcomes.length === 2, 'CP1 checked after the change');
    expect(outcomes).toEqual([{ kind: 'unsupported' }, { kind: 'unsupported' }]);
    expect(calls(st, 'GetLocalListVersion')).toEqual([]);
    expect(calls(st, 'SendLocalList')).toEqual([]);
  });
});

describe('OCPP 2.0.1: SendLocalList', () => {
  it('sends id tokens with their info and version number', async () => {
    const { st, store, outcomes } = await setup('2.0.1', true);
    await st.connect();
    await eventually(() => st.localList!.version === 2, 'the station took version 2');
    expect(calls(st, 'SendLocalList').map((c) => c.payload)).toEqual([
      {
        versionNumber: 2,
        updateType: 'Full',
        localAuthorizationList: [
          {
            idToken: { idToken: 'CARD-1', type: 'ISO14443' },
            idTokenInfo: {
              status: 'Accepted',
              cacheExpiryDateTime: new Date(EXPIRES).toISOString(),
              groupIdToken: { idToken: 'FLEET', type: 'Central' },
            },
          },
          { idToken: { idToken: 'CARD-2', type: 'ISO14443' }, idTokenInfo: { status: 'Blocked' } },
        ],
      },
    ]);
    await eventually(() => store.stationVersion('CP1') === 2, 'the store knows CP1 has version 2');
    expect(outcomes).toEqual([{ kind: 'sent', version: 2 }]);
  });

  it('leaves a station that does not implement GetLocalListVersion alone', async () => {
    const { st, outcomes } = await setup('2.0.1', false);
    await st.connect();
    await eventually(() => outcomes.length === 1, 'CP1 checked');
    expect(outcomes).toEqual([{ kind: 'unsupported' }]);
    expect(calls(st, 'SendLocalList')).toEqual([]);
  });
});
