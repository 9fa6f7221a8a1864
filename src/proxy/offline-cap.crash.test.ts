/**
 * upstream.offlineUnknownIdTags: { acceptUpToKwh } across a crash (docs/proxy.md): a session Fusebox accepted
 * for an unknown id tag while the cloud was down keeps its kWh limit after Fusebox is killed (SIGKILL) and
 * restarted on the same database. Real child process, real SQLite file, real WebSockets.
 */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { eventually } from '../ocpp/testing/ocpp-harness.ts';
import { SimulatedStation } from '../sim/devices/ocpp-station.ts';
import { useCrashFixture } from './testing/crash-fixture.ts';

const fx = useCrashFixture();
const { stations } = fx;
const kill = (child: Parameters<typeof fx.kill>[0]) => fx.kill(child);
const startFusebox = (dbPath: string, cloudUrl: string, kwh: number) =>
  fx.startFusebox([dbPath, cloudUrl, String(kwh)]);

const meterValues = (transactionId: number, wh: number) => ({
  connectorId: 1,
  transactionId,
  meterValue: [
    {
      timestamp: new Date().toISOString(),
      sampledValue: [{ value: String(wh), measurand: 'Energy.Active.Import.Register', unit: 'Wh' }],
    },
  ],
});

describe('acceptUpToKwh across a kill -9', () => {
  it('a session accepted for an unknown id tag is still stopped at its limit after the restart', async () => {
    const dbPath = fx.dbPath('fusebox-offline-cap-');
    const cloud = await fx.cloud();
    await cloud.goDown();

    let fb = await startFusebox(dbPath, cloud.url, 2);
    let st = new SimulatedStation({ url: fb.url, stationId: 'CP1', version: '1.6', ports: 1 });
    stations.push(st);
    await st.connect();
    const { accepted, transactionId } = await st.start(1, 'STRANGER');
    expect(accepted).toBe(true);
    const tx = Number(transactionId);
    await st.call('MeterValues', meterValues(tx, 1500));
    await kill(fb.child);
    await st.close();

    // Restarted on the same file; the cloud is still down; the car goes on charging.
    fb = await startFusebox(dbPath, cloud.url, 2);
    st = new SimulatedStation({ url: fb.url, stationId: 'CP1', version: '1.6', ports: 1 });
    stations.push(st);
    await st.connect({ boot: false });
    await st.call('MeterValues', meterValues(tx, 1900));
    expect(st.received.filter((r) => r.action === 'RemoteStopTransaction')).toEqual([]);
    await st.call('MeterValues', meterValues(tx, 2100));
    await eventually(
      () => st.received.some((r) => r.action === 'RemoteStopTransaction'),
      'Fusebox stops the session at 2 kWh after the restart',
      30_000,
    );
    expect(st.received.filter((r) => r.action === 'RemoteStopTransaction').map((r) => r.payload)).toEqual([
      { transactionId: tx },
    ]);
    // Once the session has ended the limit is forgotten, also in the file.
    await st.call('StopTransaction', {
      transactionId: tx,
      meterStop: 2150,
      timestamp: new Date().toISOString(),
    });
    await eventually(
      () => {
        const db = new Database(dbPath, { readonly: true });
        try {
          return (db.prepare('SELECT COUNT(*) AS n FROM proxy_offline_caps').get() as { n: number }).n === 0;
        } finally {
          db.close();
        }
      },
      'the limit row deleted with the session',
      30_000,
    );
  }, 120_000);
});
