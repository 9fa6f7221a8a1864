/**
 * Security profile 3 end to end: a CA made by openssl in the test, station certificates with CN = station id,
 * real TLS WebSockets; refusals (other CA, expired, not yet valid, wrong CN, revoked) with their reason, and
 * certificate rotation without a restart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatedStation } from '../sim/devices/ocpp-station.ts';
import type { SimTlsOptions } from '../sim/devices/ocpp-station.ts';
import type { OcppVersion } from '../contracts/station-gateway.ts';
import { eventually } from './testing/ocpp-harness.ts';
import { ocppPerTest } from './testing/ocpp-per-test.ts';
import type { Issued } from './testing/test-ca.ts';
import { TestCa, haveOpenssl } from './testing/test-ca.ts';

const ocpp = ocppPerTest();

function sim(
  stationId: string,
  tls: SimTlsOptions,
  ports = 1,
  version: OcppVersion = '1.6',
): SimulatedStation {
  const st = ocpp.station({ version, stationId, tls, ports });
  return st;
}

const refusals = (): string[] => ocpp.eventMessages('station-refused');

/** Connects (and boots) with `cert`; expects a 401 whose stored event gives `reason`. */
async function expectRefused(stationId: string, tls: SimTlsOptions, reason: RegExp): Promise<void> {
  const before = refusals().length;
  await expect(sim(stationId, tls).connect()).rejects.toMatchObject({ code: 401 });
  const message = await eventually(() => refusals()[before], 'the refusal event');
  expect(message).toMatch(reason);
}

describe.skipIf(!haveOpenssl)(
  'security profile 3 (client certificates) with a test CA made by openssl',
  () => {
    let dir = '';
    let ca: TestCa;
    let other: TestCa;
    let server: Issued;
    const withCert = (c: Issued, trust: string | string[] = ca.cert): SimTlsOptions => ({
      ca: Array.isArray(trust) ? trust.join('') : trust,
      cert: c.cert,
      key: c.key,
    });

    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'fusebox-tls3-'));
      ca = new TestCa(join(dir, 'ca'), 'Site CA');
      other = new TestCa(join(dir, 'other'), 'Another CA');
      server = ca.server();
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('stations with a valid certificate boot and report their status over wss:// (OCPP 1.6 and 2.0.1)', async () => {
      await ocpp.start({
        stations: [
          { id: 'CP3', securityProfile: 3, ports: 2 },
          { id: 'CP201', securityProfile: 3, ports: 1, version: '2.0.1' },
        ],
        settings: { tls: { key: server.key, cert: server.cert, ca: ca.cert, crl: ca.crl() } },
      });
      expect(ocpp.h.url).toMatch(/^wss:\/\//);
      const st = sim('CP3', withCert(ca.station('CP3')), 2);
      expect((await st.connect()).status).toBe('Accepted');
      const v2 = sim('CP201', withCert(ca.station('CP201')), 1, '2.0.1');
      expect((await v2.connect()).status).toBe('Accepted');
      const harness = ocpp.h;
      await eventually(
        () =>
          harness.server.ports().length === 3 &&
          harness.server.ports().every((p) => p.connected && p.status === 'available'),
        'all three ports available',
      );
      expect(await st.heartbeat()).toBeGreaterThan(0);
      expect(await v2.heartbeat()).toBeGreaterThan(0);
      expect(refusals()).toEqual([]);
    });

    it('refuses another CA, expired, not yet valid, a CN not the station id, revoked and no certificate, saying why', async () => {
      const revoked = ca.station('CP3');
      ca.revoke(revoked);
      await ocpp.start({
        stations: [{ id: 'CP3', securityProfile: 3 }],
        settings: { tls: { key: server.key, cert: server.cert, ca: ca.cert, crl: ca.crl() } },
      });
      await expectRefused(
        'CP3',
        withCert(other.station('CP3')),
        /client certificate .*CN=CP3.* not signed by a configured CA/,
      );
      await expectRefused(
        'CP3',
        withCert(ca.station('CP3', { startDate: '20200101000000Z', endDate: '20200201000000Z' })),
        /client certificate .* expired on 2020-02-01T00:00:00/,
      );
      await expectRefused(
        'CP3',
        withCert(ca.station('CP3', { startDate: '20400101000000Z', endDate: '20410101000000Z' })),
        /client certificate .* not valid before 2040-01-01T00:00:00/,
      );
      await expectRefused(
        'CP3',
        withCert(ca.station('OTHER')),
        /client certificate CN 'OTHER' is not the station id 'CP3'/,
      );
      await expectRefused(
        'CP3',
        withCert(revoked),
        /client certificate CN=CP3 \(serial [0-9A-F]+, issuer CN=Site CA\) was revoked/,
      );
      await expectRefused('CP3', { ca: ca.cert }, /no client certificate/);
      // The valid one still gets in.
      expect((await sim('CP3', withCert(ca.station('CP3'))).connect()).status).toBe('Accepted');
    });

    it('rotates the server certificate, CA and CRL without a restart; open connections stay up', async () => {
      const cp4 = ca.station('CP4');
      await ocpp.start({
        stations: [
          { id: 'CP3', securityProfile: 3 },
          { id: 'CP4', securityProfile: 3 },
        ],
        settings: { tls: { key: server.key, cert: server.cert, ca: ca.cert } },
      });
      const old = sim('CP3', withCert(ca.station('CP3')));
      expect((await old.connect()).status).toBe('Accepted');

      // The site moves to another CA: new server certificate, new CA, its CRL with one station revoked.
      const newServer = other.server();
      const newCp4 = other.station('CP4');
      const revoked = other.station('CP4');
      other.revoke(revoked);
      ocpp.h.server.reloadTls({ key: newServer.key, cert: newServer.cert, ca: other.cert, crl: other.crl() });

      // New connections see the new server certificate (this client trusts the new CA only) and CA.
      const cp4Now = sim('CP4', withCert(newCp4, other.cert));
      expect((await cp4Now.connect()).status).toBe('Accepted');
      await expectRefused('CP4', withCert(cp4, [ca.cert, other.cert]), /not signed by a configured CA/);
      await expectRefused('CP4', withCert(revoked, other.cert), /revoked/);
      // The connection made before the rotation is still up and working.
      expect(old.connected).toBe(true);
      expect(await old.heartbeat()).toBeGreaterThan(0);
      expect(ocpp.h.server.connectedStationIds()).toEqual(expect.arrayContaining(['CP3', 'CP4']));

      // Material that does not fit is refused and the running certificates stay.
      expect(() =>
        ocpp.h.server.reloadTls({ key: server.key, cert: newServer.cert, ca: other.cert }),
      ).toThrow(/key does not match the certificate/);
      expect(() => ocpp.h.server.reloadTls({ key: newServer.key, cert: newServer.cert })).toThrow(/restart/);
      // One connection per station id (a live one is not taken over): CP4 goes away before it connects again.
      await cp4Now.close();
      await eventually(() => !ocpp.h.server.connectedStationIds().includes('CP4'), 'CP4 disconnected');
      expect((await sim('CP4', withCert(other.station('CP4'), other.cert)).connect()).status).toBe(
        'Accepted',
      );
    });
  },
);
