/** The `ems` section of the site config: the Modbus TCP server a building EMS reads and writes. */
import { z } from 'zod';
import { allowListOf } from './allow-list.ts';

export const DEFAULT_EMS_PORT = 5020; // 502 needs root or CAP_NET_BIND_SERVICE

const limitA = z.number().positive('must be greater than 0 A').max(6553.4, 'at most 6553.4 A');
const limitKw = z.number().positive('must be greater than 0 kW').max(6553.4, 'at most 6553.4 kW');

export const emsServerConfigSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Address to bind: 0.0.0.0 for every interface. */
  host: z.string().min(1).default('0.0.0.0'),
  port: z.number().int().min(1).max(65535).default(DEFAULT_EMS_PORT),
  /** Unit id the server answers to; 0 answers any. */
  unitId: z.number().int().min(0).max(255).default(1),
  /** Client IPs or CIDR blocks allowed to connect. */
  allow: z
    .array(z.string())
    .min(1, 'list the EMS addresses (e.g. [192.168.1.50] or [10.0.0.0/24])')
    .refine(
      (list) => {
        try {
          allowListOf(list);
          return true;
        } catch {
          return false;
        }
      },
      { error: 'every entry must be an IP address or a CIDR block such as 10.0.0.0/24' },
    )
    .default(['127.0.0.1']),
  /** A connection with no complete request for this long is closed (a partial frame is not activity). */
  idleTimeoutMs: z.number().int().min(1000, 'at least 1000 ms').max(3_600_000).default(60_000),
  /** Open connections at most, from all addresses together. */
  maxConnections: z.number().int().min(1).max(1000).default(32),
  /** Open connections from one client address at most: one client cannot take every connection. */
  maxConnectionsPerAddress: z.number().int().min(1).max(1000).default(8),
  /** Requests received and not yet answered on one connection at most; one more closes the connection. */
  maxPendingRequests: z.number().int().min(1).max(1000).default(16),
  /** false: the EMS can read but every write is refused (exception 01). */
  writes: z.boolean().default(true),
  /** A command the EMS does not refresh within this time reverts to its fallback. */
  watchdogMs: z.number().int().min(1000, 'at least 1000 ms').max(3_600_000).default(60_000),
  /** What is in force when a command times out (or before the EMS ever wrote one). */
  fallback: z
    .strictObject({
      chargingEnabled: z.boolean().default(true),
      siteLimitA: limitA.optional(),
      siteLimitKw: limitKw.optional(),
    })
    .default({ chargingEnabled: true }),
});

export type EmsServerConfig = z.output<typeof emsServerConfigSchema>;
export type EmsServerConfigInput = z.input<typeof emsServerConfigSchema>;
