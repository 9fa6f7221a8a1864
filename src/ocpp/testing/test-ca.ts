/**
 * A certificate authority made with the `openssl` command line for tests, with the same `openssl ca` set-up
 * docs/ocpp.md gives sites: station certificates (CN = station id), a server certificate for 127.0.0.1,
 * revocation and CRLs.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** True when the `openssl` command is on the PATH. */
export const haveOpenssl = ((): boolean => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** The `openssl ca` configuration of docs/ocpp.md ("Making the certificates"). */
export const CA_CONFIG = `[ ca ]
default_ca = site_ca

[ site_ca ]
dir              = .
database         = $dir/index.txt
serial           = $dir/serial
new_certs_dir    = $dir/issued
certificate      = $dir/ca.crt
private_key      = $dir/ca.key
default_md       = sha256
default_days     = 825
default_crl_days = 30
policy           = any_cn
unique_subject   = no
copy_extensions  = copy

[ any_cn ]
commonName = supplied

[ station ]
basicConstraints = critical, CA:FALSE
keyUsage         = critical, digitalSignature, keyAgreement
extendedKeyUsage = clientAuth

[ server ]
basicConstraints = critical, CA:FALSE
keyUsage         = critical, digitalSignature, keyAgreement
extendedKeyUsage = serverAuth
`;

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export interface IssueOptions {
  /** `openssl ca -startdate` / `-enddate`: YYYYMMDDHHMMSSZ. */
  readonly startDate?: string;
  readonly endDate?: string;
}

/** PEM texts of a key and its certificate, and where they are. */
export interface Issued {
  readonly key: string;
  readonly cert: string;
  readonly keyFile: string;
  readonly certFile: string;
}

export class TestCa {
  /** PEM of the CA certificate. */
  readonly cert: string;
  private issued = 0;

  /** A new CA in `dir` (created), whose certificate has the CN `name`. */
  constructor(
    readonly dir: string,
    name: string,
  ) {
    mkdirSync(join(dir, 'issued'), { recursive: true });
    writeFileSync(join(dir, 'ca.cnf'), CA_CONFIG);
    writeFileSync(join(dir, 'index.txt'), '');
    writeFileSync(join(dir, 'serial'), '1000\n');
    this.openssl(
      'req',
      '-x509',
      ...EC_KEY,
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '30',
      '-subj',
      `/CN=${name}`,
    );
    this.cert = readFileSync(join(dir, 'ca.crt'), 'utf8');
  }

  /** A station certificate: CN = the station id (OCPP security profile 3). */
  station(stationId: string, options: IssueOptions = {}): Issued {
    return this.issue(stationId, 'station', options);
  }

  /** A server certificate for 127.0.0.1. */
  server(options: IssueOptions = {}): Issued {
    return this.issue('127.0.0.1', 'server', options, 'subjectAltName=IP:127.0.0.1');
  }

  /** Revoke a certificate issued by this CA (it is listed in the next CRL). */
  revoke(issued: Issued): void {
    this.openssl('ca', '-batch', '-config', 'ca.cnf', '-revoke', issued.certFile);
  }

  /** The CRL listing every revoked certificate (PEM), valid 30 days; also written to crl.pem. */
  crl(): string {
    this.openssl('ca', '-batch', '-config', 'ca.cnf', '-gencrl', '-out', 'crl.pem');
    return readFileSync(join(this.dir, 'crl.pem'), 'utf8');
  }

  private issue(cn: string, extensions: string, options: IssueOptions, addExt?: string): Issued {
    const name = `${extensions}-${++this.issued}`;
    this.openssl(
      'req',
      ...EC_KEY,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      `/CN=${cn}`,
      ...(addExt ? ['-addext', addExt] : []),
    );
    this.openssl(
      'ca',
      '-batch',
      '-config',
      'ca.cnf',
      '-extensions',
      extensions,
      '-in',
      `${name}.csr`,
      '-out',
      `${name}.crt`,
      ...(options.startDate ? ['-startdate', options.startDate] : []),
      ...(options.endDate ? ['-enddate', options.endDate] : []),
    );
    const keyFile = join(this.dir, `${name}.key`);
    const certFile = join(this.dir, `${name}.crt`);
    return { keyFile, certFile, key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8') };
  }

  private openssl(...args: string[]): void {
    execFileSync('openssl', args, { cwd: this.dir, stdio: 'pipe' });
  }
}
