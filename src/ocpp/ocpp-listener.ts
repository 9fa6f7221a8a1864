/**
 * The OCPP server's HTTP(S) listener: plain or TLS (security profiles 2 and 3), WebSocket upgrades handed to
 * the RPC server, and the reload of its certificates without a restart.
 */
import type { X509Certificate } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import { Server as HttpsServer, createServer as createHttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { createSecureContext } from 'node:tls';
import type { SecureContextOptions } from 'node:tls';
import type { Logger } from 'pino';
import { parseCertificates } from './client-certificate.ts';
import type { OcppServerSettings, TlsSettings } from './ocpp-settings.ts';

/** Listens on the settings' host and port; every WebSocket upgrade goes to `upgrade`, anything else is a 404. */
export async function startListener(
  settings: OcppServerSettings,
  upgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => Promise<void>,
  log: Logger,
): Promise<HttpServer> {
  const notFound = (_req: unknown, res: ServerResponse): void => {
    res.statusCode = 404;
    res.end();
  };
  const http = settings.tls
    ? createHttpsServer(
        {
          ...secureContextOptions(settings.tls),
          requestCert: settings.tls.ca !== undefined,
          // Profile 2 stations have no client certificate; profile 3 is checked per station on upgrade.
          rejectUnauthorized: false,
        },
        notFound,
      )
    : createHttpServer(notFound);
  http.on('upgrade', (req, socket, head: Buffer) => {
    upgrade(req, socket, head).catch((err: unknown) => log.warn({ err }, 'upgrade failed'));
  });
  http.on('clientError', (err, socket) => socket.destroy(err));
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(settings.port, settings.host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  http.on('error', (err) => log.error({ err }, 'OCPP listener error'));
  return http;
}

/**
 * Puts new TLS material into the listener for the connections made from now on and returns its CA
 * certificates. Throws, and keeps the running material, when it is unusable or would turn TLS or client
 * certificates on or off (fixed at start: `running` is the TLS the listener was started with).
 */
export function reloadListenerTls(
  http: HttpServer | undefined,
  running: TlsSettings | undefined,
  tls: TlsSettings,
  log: Logger,
): readonly X509Certificate[] {
  if (!(http instanceof HttpsServer) || !running)
    throw new Error('the OCPP listener was started without TLS: turning TLS on needs a restart');
  if ((tls.ca === undefined) !== (running.ca === undefined))
    throw new Error(
      `client certificates (caFile) were ${running.ca ? 'on' : 'off'} at start: turning them ${running.ca ? 'off' : 'on'} needs a restart`,
    );
  const options = secureContextOptions(tls);
  try {
    // Builds the context the listener would: the same errors, before anything is replaced.
    createSecureContext(options);
  } catch (err) {
    throw new Error(`the new TLS files are unusable: ${describeTlsError(err)}`, { cause: err });
  }
  const trusted = tls.ca ? parseCertificates(tls.ca) : [];
  http.setSecureContext(options);
  const server = parseCertificates(tls.cert)[0];
  log.info(
    { subject: server?.subject, validTo: server?.validTo, cas: trusted.length, crl: tls.crl !== undefined },
    'OCPP TLS certificates reloaded: new connections use them',
  );
  return trusted;
}

/** What the listener's secure context is made of. */
function secureContextOptions(tls: TlsSettings): SecureContextOptions {
  return {
    key: tls.key,
    cert: tls.cert,
    ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
    ...(tls.crl !== undefined ? { crl: tls.crl } : {}),
  };
}

/** OpenSSL's messages for the common mistakes, in words. */
function describeTlsError(err: unknown): string {
  const code = (err as { code?: string }).code;
  if (code === 'ERR_OSSL_X509_KEY_VALUES_MISMATCH') return 'the key does not match the certificate';
  return err instanceof Error ? err.message : String(err);
}
