import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatedStation } from '../sim/devices/ocpp-station.ts';
import { hashStationPassword } from './password-hash.ts';
import { eventually } from './testing/ocpp-harness.ts';
import { ocppPerTest } from './testing/ocpp-per-test.ts';

const ocpp = ocppPerTest();

function sim(
  options: Partial<ConstructorParameters<typeof SimulatedStation>[0]> & { stationId: string },
): SimulatedStation {
  const st = ocpp.station({ version: '1.6', ...options });
  return st;
}

const refusals = (): string[] => ocpp.eventMessages('station-refused');

describe('security profile 1 (basic auth)', () => {
  it('accepts the right password, refuses a wrong or missing one and unknown stations', async () => {
    await ocpp.start({
      stations: [
        { id: 'CP1', securityProfile: 1, passwordHash: await hashStationPassword('correct horse battery') },
      ],
    });
    expect((await sim({ stationId: 'CP1', password: 'correct horse battery' }).connect()).status).toBe(
      'Accepted',
    );
    await expect(sim({ stationId: 'CP1', password: 'wrong' }).connect()).rejects.toMatchObject({ code: 401 });
    await expect(sim({ stationId: 'CP1' }).connect()).rejects.toMatchObject({ code: 401 });
    await expect(sim({ stationId: 'NOPE', password: 'x' }).connect()).rejects.toMatchObject({ code: 404 });
    await eventually(() => refusals().length >= 3, 'refusals logged');
    expect(refusals().join('\n')).toMatch(/wrong password/);
  });

  it('holds an unknown station as pending when auto-registration is on', async () => {
    await ocpp.start({
      stations: [{ id: 'CP1' }],
      settings: { autoRegister: true, autoRegisterSecurityProfile: 1 },
    });
    const st = sim({ stationId: 'NEW-1', password: 'first password wins' });
    expect((await st.connect()).status).toBe('Pending');
    await expect(st.heartbeat()).rejects.toMatchObject({ rpcErrorCode: 'SecurityError' });
    const row = ocpp.h.store.db
      .prepare("SELECT registration, password_hash FROM stations WHERE station_id = 'NEW-1'")
      .get() as {
      registration: string;
      password_hash: string;
    };
    expect(row.registration).toBe('pending');
    expect(row.password_hash).toMatch(/^scrypt\$/);
    await st.close();
    // Next time it must present the same password.
    await expect(sim({ stationId: 'NEW-1', password: 'another' }).connect()).rejects.toMatchObject({
      code: 401,
    });
  });

  it('asks for TLS from a profile 2 station on a plain listener', async () => {
    await ocpp.start({
      stations: [{ id: 'CP2', securityProfile: 2, passwordHash: await hashStationPassword('pw') }],
    });
    await expect(sim({ stationId: 'CP2', password: 'pw' }).connect()).rejects.toMatchObject({ code: 403 });
  });
});

describe('subprotocol negotiation', () => {
  it('speaks the pinned version, or the preferred one the station offers', async () => {
    await ocpp.start({ stations: [{ id: 'PIN', version: '1.6' }, { id: 'ANY' }] });
    const versions = new Map<string, string>();
    ocpp.h.server.on('station-connected', (e) => versions.set(e.stationId, e.version));
    const both = ['ocpp1.6', 'ocpp2.0.1'];
    await sim({ stationId: 'PIN', offerProtocols: both }).connect({ boot: false });
    await sim({ stationId: 'ANY', version: '2.0.1', offerProtocols: both }).connect({ boot: false });
    expect(Object.fromEntries(versions)).toEqual({ PIN: '1.6', ANY: '2.0.1' });
  });

  it('closes a connection with no subprotocol in common', async () => {
    await ocpp.start({ stations: [{ id: 'PIN', version: '1.6' }] });
    await expect(sim({ stationId: 'PIN', version: '2.0.1' }).connect()).rejects.toThrow(/subprotocol/);
  });
});

const haveOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!haveOpenssl)('TLS (security profiles 2 and 3) with a test CA made by openssl', () => {
  let dir = '';
  const pem = (name: string): string => readFileSync(join(dir, name), 'utf8');

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'fusebox-tls-'));
    const ossl = (...args: string[]): void => {
      execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
    };
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    ossl(
      'req',
      '-x509',
      ...ec,
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '2',
      '-subj',
      '/CN=Fusebox Test CA',
    );
    writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\n');
    const leaf = (name: string, cn: string, ext?: string): void => {
      ossl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
      ossl(
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-out',
        `${name}.crt`,
        '-days',
        '2',
        ...(ext ? ['-extfile', ext] : []),
      );
    };
    leaf('server', '127.0.0.1', 'server.ext');
    leaf('cp3', 'CP3');
    leaf('other', 'OTHER');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('profile 2: TLS server certificate and basic auth', async () => {
    await ocpp.start({
      stations: [{ id: 'CP2', securityProfile: 2, passwordHash: await hashStationPassword('tls password') }],
      settings: { tls: { key: pem('server.key'), cert: pem('server.crt') } },
    });
    expect(ocpp.h.url).toMatch(/^wss:\/\//);
    const st = sim({ stationId: 'CP2', password: 'tls password', tls: { ca: pem('ca.crt') } });
    expect((await st.connect()).status).toBe('Accepted');
    await expect(
      sim({ stationId: 'CP2', password: 'nope', tls: { ca: pem('ca.crt') } }).connect(),
    ).rejects.toMatchObject({
      code: 401,
    });
  });

  it('profile 3: a client certificate whose CN is the station id', async () => {
    await ocpp.start({
      stations: [{ id: 'CP3', securityProfile: 3 }],
      settings: { tls: { key: pem('server.key'), cert: pem('server.crt'), ca: pem('ca.crt') } },
    });
    const withCert = (name: string) => ({
      ca: pem('ca.crt'),
      cert: pem(`${name}.crt`),
      key: pem(`${name}.key`),
    });
    expect((await sim({ stationId: 'CP3', tls: withCert('cp3') }).connect()).status).toBe('Accepted');
    await expect(sim({ stationId: 'CP3', tls: { ca: pem('ca.crt') } }).connect()).rejects.toMatchObject({
      code: 401,
    });
    await expect(sim({ stationId: 'CP3', tls: withCert('other') }).connect()).rejects.toMatchObject({
      code: 401,
    });
  });
});
