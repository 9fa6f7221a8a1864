/**
 * Security profile 3 (OCPP 1.6 Security Whitepaper §2.3, 2.0.1 Part 2 A00.FR.3xx): the station presents a
 * client certificate that chains to a configured CA, is within its validity dates, is not revoked (when a CRL
 * is configured) and whose subject CN is the station's identity. OpenSSL verifies the chain, dates and CRL
 * during the handshake; the listener lets unverified sockets through (profile 2 stations have no certificate)
 * and this says, per station, why a certificate is not good enough.
 */
import { X509Certificate } from 'node:crypto';
import type { DetailedPeerCertificate, PeerCertificate, TLSSocket } from 'node:tls';

/**
 * Why the socket's client certificate does not admit `stationId`, or undefined when it does. `trusted` are the
 * CA certificates the listener verifies against. OpenSSL's verdict (`authorized`) decides; the reason is worked
 * out here because OpenSSL reports only the last of several problems (a chain to an unknown root also lacks
 * a CRL, say), and the first is the one to fix.
 */
export function clientCertificateProblem(
  socket: Partial<Pick<TLSSocket, 'authorized' | 'authorizationError' | 'getPeerCertificate'>>,
  stationId: string,
  trusted: readonly X509Certificate[],
): string | undefined {
  const cert = socket.getPeerCertificate?.(true);
  if (!cert || Object.keys(cert).length === 0)
    return 'no client certificate (security profile 3 needs one signed by the site CA)';
  if (socket.authorized !== true)
    return `client certificate ${describe(cert)} ${verifyProblem(socket.authorizationError, cert, trusted)}`;
  const cn = firstValue(cert.subject?.CN);
  if (cn !== stationId) return `client certificate CN '${cn ?? ''}' is not the station id '${stationId}'`;
  return undefined;
}

/** The PEM certificates in a CA bundle. */
export function parseCertificates(pem: string | Buffer): X509Certificate[] {
  const blocks = String(pem).match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((b) => new X509Certificate(b));
}

/** The certificate and the issuers the station sent or the listener found, leaf first. */
function chainOf(cert: DetailedPeerCertificate): PeerCertificate[] {
  const chain: PeerCertificate[] = [];
  let c: DetailedPeerCertificate | undefined = cert;
  while (c && Object.keys(c).length > 0 && !chain.includes(c)) {
    chain.push(c);
    c = c.issuerCertificate;
  }
  return chain;
}

/** Whether the chain reaches one of the trusted CA certificates. */
function reachesTrustedCa(cert: DetailedPeerCertificate, trusted: readonly X509Certificate[]): boolean {
  const fingerprints = new Set(trusted.map((t) => t.fingerprint256));
  const chain = chainOf(cert);
  if (chain.slice(1).some((c) => fingerprints.has(c.fingerprint256))) return true;
  const last = new X509Certificate(chain[chain.length - 1]!.raw);
  return trusted.some((t) => last.checkIssued(t) && last.verify(t.publicKey));
}

/** The first problem of a certificate OpenSSL did not verify; `error` is its last (X509_V_ERR_* unprefixed). */
function verifyProblem(
  error: Error | string | undefined,
  cert: DetailedPeerCertificate,
  trusted: readonly X509Certificate[],
): string {
  const code = typeof error === 'string' ? error : (error?.message ?? 'unknown error');
  if (!reachesTrustedCa(cert, trusted)) return `is not signed by a configured CA (ocpp.tls.caFile; ${code})`;
  // OpenSSL checks the dates against the system clock, and so does this: wall-clock on purpose, not the Clock
  // (a simulated time would name a date OpenSSL did not use).
  // eslint-disable-next-line no-restricted-properties -- the system clock OpenSSL used, see above
  const now = Date.now();
  for (const [i, c] of chainOf(cert).entries()) {
    const what = i === 0 ? '' : ` (its issuer CN=${firstValue(c.subject?.CN) ?? '?'})`;
    if (Date.parse(c.valid_to) < now) return `expired on ${isoDate(c.valid_to)}${what}`;
    if (Date.parse(c.valid_from) > now) return `is not valid before ${isoDate(c.valid_from)}${what}`;
  }
  switch (code) {
    case 'CERT_REVOKED':
      return 'was revoked (listed in ocpp.tls.crlFile)';
    case 'UNABLE_TO_GET_CRL':
      return 'cannot be checked: ocpp.tls.crlFile has no CRL of its CA (give one CRL per CA)';
    case 'CRL_HAS_EXPIRED':
      return 'cannot be checked: the CRL of its CA in ocpp.tls.crlFile is past its next update; issue a new one';
    case 'CRL_NOT_YET_VALID':
      return 'cannot be checked: the CRL of its CA in ocpp.tls.crlFile is not valid yet (clock?)';
    default:
      return `was refused by certificate verification (${code})`;
  }
}

function describe(cert: PeerCertificate): string {
  const cn = firstValue(cert.subject?.CN) ?? '?';
  const issuer = firstValue(cert.issuer?.CN) ?? '?';
  return `CN=${cn} (serial ${cert.serialNumber}, issuer CN=${issuer})`;
}

/** A subject field given twice comes as an array. */
function firstValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** OpenSSL's `Feb  1 00:00:00 2020 GMT` as ISO 8601; left as it is when it does not parse. */
function isoDate(text: string): string {
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? text : new Date(ms).toISOString();
}
