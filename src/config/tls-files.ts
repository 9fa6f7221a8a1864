/**
 * The PEM files of `ocpp.tls`: read them (paths relative to the site file) and check each is what its key says,
 * so that `fusebox check`, a start and a reload (SIGHUP) name the file at fault instead of failing in OpenSSL.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createSecureContext } from 'node:tls';
import type { TlsSettings } from '../ocpp/ocpp-settings.ts';
import type { ParsedSections } from './parse-sections.ts';
import type { Report } from './problem-list.ts';
import { fileReadError } from './read-error.ts';
import type { OcppSection } from './server-sections.ts';

export type TlsSection = NonNullable<OcppSection['tls']>;
export type TlsFileKey = keyof TlsSection;

export interface TlsFileProblem {
  readonly key: TlsFileKey;
  readonly message: string;
}

/** Errors make the files unusable; warnings (a server certificate about to expire) do not. */
export type TlsFilesResult =
  | { readonly ok: true; readonly tls: TlsSettings; readonly warnings: readonly TlsFileProblem[] }
  | {
      readonly ok: false;
      readonly problems: readonly TlsFileProblem[];
      readonly warnings: readonly TlsFileProblem[];
    };

/** A server certificate that expires within this many days is warned about. */
const EXPIRY_WARNING_DAYS = 30;
const DAY_MS = 24 * 3600_000;

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const CRL_BLOCK = /-----BEGIN X509 CRL-----[\s\S]+?-----END X509 CRL-----/g;

/** Reads and checks the files of an `ocpp.tls` section; `baseDir` is the site file's directory. */
export function readTlsFiles(section: TlsSection, baseDir: string): TlsFilesResult {
  const problems: TlsFileProblem[] = [];
  const warnings: TlsFileProblem[] = [];
  const read = (key: TlsFileKey): string | undefined => {
    const name = section[key];
    if (name === undefined) return undefined;
    const path = resolve(baseDir, name);
    try {
      return readFileSync(path, 'utf8');
    } catch (err) {
      problems.push({ key, message: `cannot read '${name}' (${path}): ${fileReadError(err)}` });
      return undefined;
    }
  };
  const where = (key: TlsFileKey): string => `'${section[key]}' (${resolve(baseDir, section[key] ?? '')})`;

  const keyText = read('keyFile');
  const certText = read('certFile');
  const caText = read('caFile');
  const crlText = read('crlFile');
  if (section.crlFile !== undefined && section.caFile === undefined)
    problems.push({
      key: 'crlFile',
      message: 'a CRL is only used with caFile (client certificates, security profile 3): add caFile',
    });

  let key: ReturnType<typeof createPrivateKey> | undefined;
  if (keyText !== undefined) {
    if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(keyText))
      problems.push({ key: 'keyFile', message: `${where('keyFile')} holds no PEM private key` });
    else
      try {
        key = createPrivateKey(keyText);
      } catch (err) {
        problems.push({
          key: 'keyFile',
          message: `${where('keyFile')} is not a usable PEM private key (encrypted keys are not supported): ${message(err)}`,
        });
      }
  }
  const certs = certText !== undefined ? certificates('certFile', certText, where, problems) : undefined;
  const cas = caText !== undefined ? certificates('caFile', caText, where, problems) : undefined;
  for (const [i, ca] of (cas ?? []).entries())
    if (!ca.ca)
      warnings.push({
        key: 'caFile',
        message: `certificate ${i + 1} in '${section.caFile}' (${ca.subject.replaceAll('\n', ', ')}) is not a CA certificate (no basicConstraints CA:TRUE): it cannot sign station certificates`,
      });
  if (crlText !== undefined) {
    const blocks = crlText.match(CRL_BLOCK) ?? [];
    if (blocks.length === 0)
      problems.push({
        key: 'crlFile',
        message: `${where('crlFile')} holds no PEM CRL (-----BEGIN X509 CRL-----)`,
      });
    else
      try {
        createSecureContext({ crl: blocks });
      } catch (err) {
        problems.push({ key: 'crlFile', message: `${where('crlFile')} is not a PEM CRL: ${message(err)}` });
      }
  }
  const leaf = certs?.[0];
  if (key && leaf && !leaf.checkPrivateKey(key))
    problems.push({
      key: 'keyFile',
      message: `the key in '${section.keyFile}' is not the key of the certificate in '${section.certFile}' (the first in the file)`,
    });

  if (leaf) {
    // The stations check it against their own clock; this warns against the machine's.
    const now = Date.now();
    const from = Date.parse(leaf.validFrom);
    const to = Date.parse(leaf.validTo);
    const at = (ms: number): string => new Date(ms).toISOString();
    if (to < now)
      warnings.push({
        key: 'certFile',
        message: `the server certificate in '${section.certFile}' expired on ${at(to)}: stations refuse the connection; renew it`,
      });
    else if (from > now)
      warnings.push({
        key: 'certFile',
        message: `the server certificate in '${section.certFile}' is not valid before ${at(from)}: stations refuse the connection until then`,
      });
    else if (to - now < EXPIRY_WARNING_DAYS * DAY_MS)
      warnings.push({
        key: 'certFile',
        message: `the server certificate in '${section.certFile}' expires on ${at(to)} (in ${Math.floor((to - now) / DAY_MS)} days): renew it`,
      });
  }

  if (problems.length > 0 || keyText === undefined || certText === undefined)
    return { ok: false, problems, warnings };
  return {
    ok: true,
    warnings,
    tls: {
      key: keyText,
      cert: certText,
      ...(caText !== undefined ? { ca: caText } : {}),
      ...(crlText !== undefined ? { crl: crlText } : {}),
    },
  };
}

/** The certificates of a PEM file, or undefined with a problem when one is missing or broken. */
function certificates(
  key: TlsFileKey,
  text: string,
  where: (key: TlsFileKey) => string,
  problems: TlsFileProblem[],
): X509Certificate[] | undefined {
  const blocks = text.match(CERT_BLOCK) ?? [];
  if (blocks.length === 0) {
    problems.push({ key, message: `${where(key)} holds no PEM certificate (-----BEGIN CERTIFICATE-----)` });
    return undefined;
  }
  const out: X509Certificate[] = [];
  for (const [i, block] of blocks.entries()) {
    try {
      out.push(new X509Certificate(block));
    } catch (err) {
      problems.push({
        key,
        message: `${where(key)}: certificate ${i + 1} of ${blocks.length} is not a valid PEM certificate: ${message(err)}`,
      });
      return undefined;
    }
  }
  return out;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Stations on security profile 2 or 3 need the listener's TLS (and profile 3 its CA); with `baseDir` (the site
 * file's directory), the files of `ocpp.tls` are read and checked too.
 */
export function checkTls(parsed: ParsedSections, baseDir: string | undefined, report: Report): void {
  const tls = parsed.ocpp.tls;
  for (const { index, value } of parsed.stations) {
    const profile = value.securityProfile;
    if (profile === 2 && !tls)
      report.error(
        ['stations', index, 'securityProfile'],
        'security profile 2 needs ocpp.tls with keyFile and certFile (stations connect with wss://)',
      );
    if (profile === 3 && tls?.caFile === undefined)
      report.error(
        ['stations', index, 'securityProfile'],
        'security profile 3 needs ocpp.tls with keyFile, certFile and caFile (the CA of the station certificates)',
      );
  }
  if (!tls || baseDir === undefined) return;
  const files = readTlsFiles(tls, baseDir);
  if (!files.ok) for (const p of files.problems) report.error(['ocpp', 'tls', p.key], p.message);
  for (const p of files.warnings) report.warning(['ocpp', 'tls', p.key], p.message);
}
