/**
 * `fusebox start` with security profile 3 from a site file: the TLS files named in `ocpp.tls`, replaced on
 * disk, take effect for new connections on SIGHUP without a restart; open connections stay up; unusable
 * files leave the running certificates in force.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../ocpp/testing/ocpp-harness.ts';
import type { Issued } from '../ocpp/testing/test-ca.ts';
import { TestCa, haveOpenssl } from '../ocpp/testing/test-ca.ts';
import { SimulatedStation } from '../sim/devices/ocpp-station.ts';
import { runStart } from './start.ts';

describe.skipIf(!haveOpenssl)('fusebox start: rotating the OCPP TLS files on SIGHUP', () => {
  let dir = '';
  const sims: SimulatedStation[] = [];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'fusebox-start-tls-'));
  });
  afterAll(async () => {
    await Promise.allSettled(sims.map((s) => s.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the new server certificate, CA and CRL to new connections; open ones stay up', async () => {
    const oldCa = new TestCa(join(dir, 'old-ca'), 'Old CA');
    const newCa = new TestCa(join(dir, 'new-ca'), 'New CA');
    const tlsDir = join(dir, 'site', 'tls');
    mkdirSync(tlsDir, { recursive: true });
    const install = (ca: TestCa, server: Issued): void => {
      copyFileSync(server.keyFile, join(tlsDir, 'server.key'));
      copyFileSync(server.certFile, join(tlsDir, 'server.crt'));
      writeFileSync(join(tlsDir, 'ca.crt'), ca.cert);
      writeFileSync(join(tlsDir, 'crl.pem'), ca.crl());
    };
    install(oldCa, oldCa.server());
    const dbPath = join(dir, 'fusebox.db');
    const sitePath = join(dir, 'site', 'site.yaml');
    writeFileSync(
      sitePath,
      `site: { timeZone: Europe/Paris }
circuits:
  - { id: main, limitA: 63 }
stations:
  - { id: CP3, circuit: main, securityProfile: 3 }
  - { id: CP4, circuit: main, securityProfile: 3 }
ocpp:
  host: 127.0.0.1
  port: 0
  tls: { keyFile: tls/server.key, certFile: tls/server.crt, caFile: tls/ca.crt, crlFile: tls/crl.pem }
http: { host: 127.0.0.1, port: 0 }
store: { path: ${JSON.stringify(dbPath)} }
`,
    );
    const lines: string[] = [];
    let stop = (): void => undefined;
    const until = new Promise<void>((resolve) => (stop = resolve));
    const exit = runStart({
      configPath: sitePath,
      out: (line) => lines.push(line),
      logFormat: 'json',
      logLevel: 'silent',
      until,
    });
    let db: Database.Database | undefined;
    try {
      const port = await eventually(
        () =>
          /OCPP for stations {3}wss:\/\/127\.0\.0\.1:(\d+)\/ocpp\/\{stationId\}/.exec(lines.join('\n'))?.[1],
        'the OCPP address',
        30_000,
      );
      const station = (id: string, cert: Issued, trust: TestCa): SimulatedStation => {
        const st = new SimulatedStation({
          url: `wss://127.0.0.1:${port}/ocpp`,
          version: '1.6',
          stationId: id,
          tls: { ca: trust.cert, cert: cert.cert, key: cert.key },
        });
        sims.push(st);
        return st;
      };
      const store = new Database(dbPath, { readonly: true });
      db = store;
      const refusals = (): string[] =>
        (
          store.prepare("SELECT message FROM events WHERE kind = 'station-refused' ORDER BY id").all() as {
            message: string;
          }[]
        ).map((e) => e.message);
      const old = station('CP3', oldCa.station('CP3'), oldCa);
      expect((await old.connect()).status).toBe('Accepted');

      // Rotation: the operator replaces the four files in place and sends SIGHUP.
      const revoked = newCa.station('CP4');
      newCa.revoke(revoked);
      install(newCa, newCa.server());
      process.emit('SIGHUP', 'SIGHUP');

      // A client that trusts only the new CA gets in: the new server certificate and CA are in force.
      const cp4 = station('CP4', newCa.station('CP4'), newCa);
      expect((await cp4.connect()).status).toBe('Accepted');
      await expect(station('CP4', revoked, newCa).connect()).rejects.toMatchObject({ code: 401 });
      await eventually(() => refusals().some((m) => /CN=CP4 .* was revoked/.test(m)), 'the revoked refusal');
      // The station connected before the rotation is still up.
      expect(old.connected).toBe(true);
      expect(await old.heartbeat()).toBeGreaterThan(0);

      // A broken file on the next SIGHUP: the running certificates stay in force.
      writeFileSync(join(tlsDir, 'server.crt'), 'half-written\n');
      process.emit('SIGHUP', 'SIGHUP');
      // One connection per station id (a live one is not taken over): CP4 goes away before it connects again.
      await cp4.close();
      expect((await station('CP4', newCa.station('CP4'), newCa).connect()).status).toBe('Accepted');
    } finally {
      db?.close();
      stop();
    }
    expect(await exit).toBe(0);
  });
});
