/** The process-level sections of a site file: where Fusebox listens and stores its data. */
import { z } from 'zod';
import { secretField } from './secret-field.ts';

const port = z.number().int('must be a whole number').min(0).max(65535);
const host = z.string().min(1, 'must not be empty');

/** `ocpp`: the OCPP-J server stations connect to (docs/ocpp.md). */
export const ocppSectionSchema = z.strictObject({
  host: host.default('0.0.0.0'),
  port: port.default(9000),
  /** PEM files for wss:// (security profiles 2 and 3); relative paths are from the site file. */
  tls: z
    .strictObject({
      keyFile: z.string().min(1),
      certFile: z.string().min(1),
      caFile: z.string().min(1).optional(),
      /** Revoked station certificates: one PEM CRL per CA of caFile. */
      crlFile: z.string().min(1).optional(),
    })
    .optional(),
  /** Accept unknown station ids as pending instead of rejecting them. */
  autoRegister: z.boolean().default(false),
  /** Accept id tags that are in neither the local list nor the cache (free charging). */
  acceptUnknownIdTags: z.boolean().default(true),
  heartbeatIntervalS: z.number().int().min(10).max(86_400).default(300),
  meterValueSampleIntervalS: z.number().int().min(0).max(3600).default(10),
  callTimeoutMs: z.number().int().min(1000).max(120_000).default(15_000),
  /** Lifetime of each charging profile Fusebox sends; renewed at half life. */
  setpointExpiresAfterMs: z
    .number()
    .int()
    .min(30_000)
    .max(24 * 3600_000)
    .default(5 * 60_000),
  /**
   * A port whose station does not take limits (it refuses profiles or has no smart charging) and that the
   * other ports cannot make room for: 'none' (counted only), 'unavailable' (ChangeAvailability Inoperative)
   * or 'stop' (its transaction stopped). docs/configuration.md.
   */
  uncontrolledPortAction: z
    .enum(['none', 'unavailable', 'stop'], {
      error: (iss) => `'${String(iss.input)}' is not an action: none, unavailable or stop`,
    })
    .default('none'),
});

/** `http`: health, API, live stream, metrics and the dashboard (docs/api.md). */
export const httpSectionSchema = z.strictObject({
  host: host.default('0.0.0.0'),
  port: port.default(8080),
  /** Mark the session cookie Secure even over plain HTTP (Fusebox behind a TLS-terminating proxy). */
  secureCookies: z.boolean().default(false),
  /** When set, GET /metrics needs `Authorization: Bearer <metricsToken>` (or metricsTokenFile/-Env). */
  ...secretField('metricsToken', z.string().min(16, 'use at least 16 characters')),
  /** Trust X-Forwarded-For/-Proto from a reverse proxy (client IPs for login throttling, https). */
  trustProxy: z.boolean().default(false),
});

/** `store`: the SQLite database file. */
export const storeSectionSchema = z.strictObject({
  /** Relative paths are from the working directory. */
  path: z.string().min(1).default('data/fusebox.db'),
});

export type OcppSection = z.output<typeof ocppSectionSchema>;
export type HttpSection = z.output<typeof httpSectionSchema>;
export type StoreSection = z.output<typeof storeSectionSchema>;
