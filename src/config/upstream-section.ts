/**
 * `upstream`: the operator's cloud central system Fusebox relays each station to (docs/proxy.md). Without
 * this section Fusebox is the stations' central system, as it always was.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import type { UpstreamSettings, UpstreamStationSettings } from '../contracts/upstream.ts';
import type { ParsedSections } from './parse-sections.ts';
import type { Report } from './problem-list.ts';
import { secretField } from './secret-field.ts';

/** The placeholder a site-wide url puts the station id in; OCPP-J wants it as the last path segment. */
export const STATION_ID_PLACEHOLDER = '{stationId}';

const wsUrl = z.string({ error: 'expected a ws:// or wss:// url' }).superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value.replaceAll(STATION_ID_PLACEHOLDER, 'x'));
  } catch {
    ctx.addIssue({ code: 'custom', message: `'${value}' is not a url` });
    return;
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:')
    ctx.addIssue({ code: 'custom', message: `'${value}' must start with ws:// or wss://` });
  const at = value.indexOf(STATION_ID_PLACEHOLDER);
  if (at >= 0 && (at !== value.length - STATION_ID_PLACEHOLDER.length || value[at - 1] !== '/'))
    ctx.addIssue({
      code: 'custom',
      message: `the station id is the last part of the path in OCPP-J: the url must end with /${STATION_ID_PLACEHOLDER} (or leave it out: it is appended)`,
    });
  if (url.search || url.hash)
    ctx.addIssue({
      code: 'custom',
      message: 'no query or fragment: OCPP-J appends the station id to the path',
    });
});

const file = z.string().min(1, 'must not be empty');

const upstreamStationSchema = z.strictObject({
  id: z.string({ error: 'expected a station id' }).min(1),
  /** This station's own url (else the site-wide one); `{stationId}` may stand for its id. */
  url: wsUrl.optional(),
  /** HTTP basic auth password the cloud knows the station by (security profiles 1 and 2). */
  ...secretField(
    'password',
    z.string().min(1, 'must not be empty').max(64, 'OCPP allows at most 64 characters'),
  ),
  /** Client certificate and key for security profile 3 (PEM files, relative to the site file). */
  certFile: file.optional(),
  keyFile: file.optional(),
  /** CA of the cloud's server certificate, when not the site-wide one. */
  caFile: file.optional(),
  /** false: this station is not relayed (Fusebox is its central system). */
  enabled: z.boolean().default(true),
});

export const upstreamSectionSchema = z.strictObject({
  /** Site-wide url of the cloud, `wss://host/path/{stationId}`; stations may have their own. */
  url: wsUrl.optional(),
  /** CA of the cloud's server certificate (PEM), when the system's CAs do not know it. */
  caFile: file.optional(),
  /** Reconnecting to the cloud: exponential backoff from initialDelayMs to maxDelayMs, with jitter. */
  reconnect: z
    .strictObject({
      initialDelayMs: z.number().int('must be a whole number').min(100).max(600_000).default(1000),
      maxDelayMs: z.number().int('must be a whole number').min(100).max(3_600_000).default(60_000),
    })
    .prefault({}),
  stations: z.array(upstreamStationSchema, { error: 'expected a list of stations' }).default([]),
  /**
   * While the cloud is down, an id tag neither the local list nor the cache knows: accept, reject, or
   * accept and stop the session at N kWh. Absent: `ocpp.acceptUnknownIdTags` decides.
   */
  offlineUnknownIdTags: z
    .union(
      [
        z.enum(['accept', 'reject']),
        z.strictObject({
          acceptUpToKwh: z
            .number({ error: 'expected a number of kWh' })
            .positive('must be more than 0')
            .max(1000, 'at most 1000 kWh'),
        }),
      ],
      { error: 'expected accept, reject or { acceptUpToKwh: N }' },
    )
    .optional(),
});

export type UpstreamSection = z.output<typeof upstreamSectionSchema>;
type UpstreamStationSection = UpstreamSection['stations'][number];

/** Cross-checks of a valid `upstream` section: station ids, urls, certificate pairs, and (with baseDir) its files. */
export function checkUpstream(parsed: ParsedSections, baseDir: string | undefined, report: Report): void {
  const up = parsed.upstream;
  if (!up) return;
  const r = up.reconnect;
  if (r.maxDelayMs < r.initialDelayMs)
    report.error(
      ['upstream', 'reconnect', 'maxDelayMs'],
      `must be at least initialDelayMs (${r.initialDelayMs})`,
    );
  const seen = new Set<string>();
  up.stations.forEach((s, i) => {
    const at = ['upstream', 'stations', i] as const;
    if (!parsed.writtenIds.stations.has(s.id))
      report.error([...at, 'id'], `'${s.id}' is not a station of this site (stations: ...)`);
    if (seen.has(s.id)) report.error([...at, 'id'], `station '${s.id}' is listed twice`);
    seen.add(s.id);
    if (s.enabled && s.url === undefined && up.url === undefined)
      report.error([...at], `no url for '${s.id}': set upstream.url or this station's url`);
    if ((s.certFile === undefined) !== (s.keyFile === undefined))
      report.error(
        [...at, s.certFile === undefined ? 'keyFile' : 'certFile'],
        'a client certificate needs both certFile and keyFile',
      );
  });
  if (baseDir === undefined) return;
  if (up.caFile !== undefined) checkCa(up.caFile, baseDir, ['upstream', 'caFile'], report);
  up.stations.forEach((s, i) => {
    if (s.caFile !== undefined) checkCa(s.caFile, baseDir, ['upstream', 'stations', i, 'caFile'], report);
    if (s.certFile !== undefined && s.keyFile !== undefined) checkClientPair(s, baseDir, i, report);
  });
}

function checkCa(name: string, baseDir: string, path: readonly (string | number)[], report: Report): void {
  const text = readPem(name, baseDir, path, report);
  if (text === undefined) return;
  if (!/-----BEGIN CERTIFICATE-----/.test(text)) {
    report.error(path, `'${name}' holds no PEM certificate`);
    return;
  }
  try {
    new X509Certificate(text);
  } catch (err) {
    report.error(
      path,
      `'${name}' is not a readable certificate: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

function checkClientPair(s: UpstreamStationSection, baseDir: string, i: number, report: Report): void {
  const at = ['upstream', 'stations', i] as const;
  const cert = readPem(s.certFile!, baseDir, [...at, 'certFile'], report);
  const key = readPem(s.keyFile!, baseDir, [...at, 'keyFile'], report);
  if (cert === undefined || key === undefined) return;
  try {
    const x = new X509Certificate(cert);
    if (!x.checkPrivateKey(createPrivateKey(key)))
      report.error([...at, 'keyFile'], `'${s.keyFile}' is not the key of '${s.certFile}'`);
  } catch (err) {
    report.error(
      [...at, 'certFile'],
      `unusable client certificate or key: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

function readPem(
  name: string,
  baseDir: string,
  path: readonly (string | number)[],
  report: Report,
): string | undefined {
  const full = resolve(baseDir, name);
  try {
    return readFileSync(full, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(err);
    report.error(path, `cannot read '${name}' (${full}): ${why}`);
    return undefined;
  }
}

/** Where the OCPP-J client connects: the url without the trailing station id (the client appends it). */
function endpointOf(template: string, stationId: string): string {
  const url = template.endsWith(`/${STATION_ID_PLACEHOLDER}`)
    ? template.slice(0, -STATION_ID_PLACEHOLDER.length - 1)
    : template.replaceAll(STATION_ID_PLACEHOLDER, stationId);
  return url.replace(/\/+$/, '');
}

/**
 * The runtime settings of a checked configuration (files read from `baseDir`, the site file's directory);
 * undefined without an `upstream` section.
 */
export function upstreamSettingsOf(
  config: { readonly upstream?: UpstreamSection | undefined },
  baseDir: string,
): UpstreamSettings | undefined {
  const up = config.upstream;
  if (!up) return undefined;
  const read = (name: string | undefined): string | undefined =>
    name === undefined ? undefined : readFileSync(resolve(baseDir, name), 'utf8');
  const siteCa = read(up.caFile);
  const listed = new Map(up.stations.map((s) => [s.id, s]));
  const cache = new Map<string, UpstreamStationSettings | undefined>();
  const build = (stationId: string): UpstreamStationSettings | undefined => {
    const s = listed.get(stationId);
    if (s && !s.enabled) return undefined;
    const template = s?.url ?? up.url;
    if (template === undefined) return undefined;
    const ca = read(s?.caFile) ?? siteCa;
    const cert = read(s?.certFile);
    const key = read(s?.keyFile);
    const tls = ca !== undefined || cert !== undefined ? { ca, cert, key } : undefined;
    return {
      stationId,
      endpoint: endpointOf(template, stationId),
      ...(s?.password !== undefined ? { password: s.password } : {}),
      ...(tls ? { tls } : {}),
    };
  };
  return {
    reconnect: { ...up.reconnect },
    ...(up.offlineUnknownIdTags !== undefined ? { offlineUnknownIdTags: up.offlineUnknownIdTags } : {}),
    stationFor(stationId) {
      if (!cache.has(stationId)) cache.set(stationId, build(stationId));
      return cache.get(stationId);
    },
    disabled(stationId) {
      return this.stationFor(stationId) === undefined;
    },
  };
}
