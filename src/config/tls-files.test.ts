import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCa, haveOpenssl } from '../ocpp/testing/test-ca.ts';
import { runCheck } from './check.ts';
import { loadSiteConfigFile } from './load.ts';

const SITE = `site: { timeZone: Europe/Paris }
circuits:
  - { id: main, limitA: 63 }
stations:
  - { id: CP3, circuit: main, securityProfile: 3 }
`;

describe.skipIf(!haveOpenssl)('fusebox check: ocpp.tls files', () => {
  let dir = '';
  let site = '';

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'fusebox-tls-check-'));
    const ca = new TestCa(join(dir, 'pki'), 'Site CA');
    const server = ca.server();
    const other = ca.server();
    copyFileSync(server.keyFile, join(dir, 'server.key'));
    copyFileSync(server.certFile, join(dir, 'server.crt'));
    copyFileSync(other.keyFile, join(dir, 'other.key'));
    copyFileSync(join(dir, 'pki', 'ca.crt'), join(dir, 'ca.crt'));
    writeFileSync(join(dir, 'crl.pem'), ca.crl());
    writeFileSync(join(dir, 'junk.pem'), 'not a certificate\n');
    writeFileSync(
      join(dir, 'junk-block.pem'),
      '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n',
    );
    site = join(dir, 'site.yaml');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function check(tls: string): { code: number; text: string } {
    writeFileSync(site, `${SITE}ocpp:\n  tls:\n${tls}`);
    const lines: string[] = [];
    const code = runCheck(site, (line) => lines.push(line));
    return { code, text: lines.join('\n') };
  }

  it('accepts readable, matching PEM files, relative to the site file', () => {
    const r = check(
      '    keyFile: server.key\n    certFile: server.crt\n    caFile: ca.crt\n    crlFile: crl.pem\n',
    );
    expect(r.text).toMatch(/OK, 0 warnings/);
    expect(r.code).toBe(0);
  });

  it('warns of a server certificate that expires soon and of a caFile certificate that is not a CA', () => {
    const ca = new TestCa(join(dir, 'soon'), 'Soon CA');
    const end = new Date(Date.now() + 10 * 24 * 3600_000 + 3600_000);
    const stamp = end.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
    const soon = ca.server({ endDate: stamp });
    copyFileSync(soon.keyFile, join(dir, 'soon.key'));
    copyFileSync(soon.certFile, join(dir, 'soon.crt'));
    const r = check('    keyFile: soon.key\n    certFile: soon.crt\n    caFile: soon.crt\n');
    expect(r.code).toBe(0);
    expect(r.text).toMatch(
      /:9:15 {2}ocpp\.tls\.certFile {2}warning: the server certificate in 'soon\.crt' expires on \S+ \(in 10 days\): renew it/,
    );
    expect(r.text).toMatch(
      /:10:13 {2}ocpp\.tls\.caFile {2}warning: certificate 1 in 'soon\.crt' \(CN=127\.0\.0\.1\) is not a CA certificate/,
    );
    expect(r.text).toMatch(/OK, 2 warnings/);
  });

  it('names the file, line and column of a missing file, bad PEM, a key not the certificate’s', () => {
    const r = check(
      [
        '    keyFile: other.key',
        '    certFile: junk.pem',
        '    caFile: missing-ca.crt',
        '    crlFile: junk-block.pem',
        '',
      ].join('\n'),
    );
    expect(r.code).toBe(2);
    const column = { keyFile: 14, certFile: 15, caFile: 13, crlFile: 14 };
    const at = (line: number, key: keyof typeof column): string =>
      `${site}:${line}:${column[key]}  ocpp.tls.${key}  `;
    expect(r.text).toContain(
      `${at(9, 'certFile')}'junk.pem' (${join(dir, 'junk.pem')}) holds no PEM certificate`,
    );
    expect(r.text).toContain(
      `${at(10, 'caFile')}cannot read 'missing-ca.crt' (${join(dir, 'missing-ca.crt')}): no such file`,
    );
    expect(r.text).toMatch(new RegExp(`${escape(at(11, 'crlFile'))}'junk-block.pem' .* is not a PEM CRL`));
    // The key is checked against the certificate only when both are readable.
    expect(r.text).not.toContain('ocpp.tls.keyFile');

    const mismatch = check('    keyFile: other.key\n    certFile: server.crt\n    caFile: ca.crt\n');
    expect(mismatch.code).toBe(2);
    expect(mismatch.text).toContain(
      `${at(8, 'keyFile')}the key in 'other.key' is not the key of the certificate in 'server.crt'`,
    );
    const notKey = check('    keyFile: server.crt\n    certFile: server.crt\n    caFile: ca.crt\n');
    expect(notKey.text).toContain(
      `${at(8, 'keyFile')}'server.crt' (${join(dir, 'server.crt')}) holds no PEM private key`,
    );
    const crlAlone = check('    keyFile: server.key\n    certFile: server.crt\n    crlFile: crl.pem\n');
    expect(crlAlone.text).toMatch(/ocpp\.tls\.crlFile {2}a CRL is only used with caFile/);
  });

  it('reads the files only when asked (fusebox user and simulate run where they are absent)', () => {
    writeFileSync(
      site,
      `${SITE}ocpp:\n  tls:\n    keyFile: gone.key\n    certFile: gone.crt\n    caFile: gone-ca.crt\n`,
    );
    expect(loadSiteConfigFile(site).ok).toBe(true);
    const r = loadSiteConfigFile(site, { readFiles: true });
    expect(r.ok).toBe(false);
    expect(r.problems.map((p) => p.path)).toEqual([
      'ocpp.tls.keyFile',
      'ocpp.tls.certFile',
      'ocpp.tls.caFile',
    ]);
  });

  it('refuses security profiles 2 and 3 without the TLS files they need', () => {
    writeFileSync(site, SITE);
    const lines: string[] = [];
    expect(runCheck(site, (line) => lines.push(line))).toBe(2);
    expect(lines.join('\n')).toContain(
      `${site}:5:48  stations[0].securityProfile  security profile 3 needs ocpp.tls with keyFile, certFile and caFile (the CA of the station certificates)`,
    );
    const r = check('    keyFile: server.key\n    certFile: server.crt\n');
    expect(r.text).toContain('security profile 3 needs ocpp.tls with keyFile, certFile and caFile');
    writeFileSync(site, SITE.replace('securityProfile: 3', 'securityProfile: 2'));
    const profile2: string[] = [];
    expect(runCheck(site, (line) => profile2.push(line))).toBe(2);
    expect(profile2.join('\n')).toContain(
      'stations[0].securityProfile  security profile 2 needs ocpp.tls with keyFile and certFile (stations connect with wss://)',
    );
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
