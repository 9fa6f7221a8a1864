/**
 * The `mqtt` section of the site file (docs/integrations.md): the broker Fusebox publishes to, the topic
 * prefixes, Home Assistant discovery and the command topics with their watchdog.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';

const PROTOCOLS = ['mqtt:', 'mqtts:', 'ws:', 'wss:'];

/** A topic prefix: levels separated by '/', none empty, no wildcard, no NUL. */
const topicPrefix = z
  .string({ error: 'expected a topic prefix such as fusebox' })
  .min(1, 'must not be empty')
  .max(200, 'at most 200 characters')
  .refine((s) => !/[#+]/.test(s), { error: 'must not contain the wildcard characters + or #' })
  .refine((s) => !s.includes('\u0000'), { error: 'must not contain a NUL character' })
  .refine((s) => s.split('/').every((level) => level !== ''), {
    error: "must not start or end with '/' nor have an empty level ('//')",
  });

export const mqttConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    /** Broker address: mqtt://host:1883, mqtts://host:8883 (TLS), ws:// or wss:// (MQTT over WebSocket). */
    url: z.string({ error: 'expected the broker url, such as mqtt://192.168.1.10:1883' }).refine(
      (s) => {
        try {
          return PROTOCOLS.includes(new URL(s).protocol);
        } catch {
          return false;
        }
      },
      { error: 'must be a url starting with mqtt://, mqtts://, ws:// or wss://' },
    ),
    username: z.string().min(1, 'must not be empty').optional(),
    password: z.string().optional(),
    /** Default: fusebox-<prefix>, so that two Fusebox instances on one broker do not take each other's session. */
    clientId: z.string().min(1).max(128).optional(),
    tls: z
      .strictObject({
        /** PEM file of the CA that signed the broker's certificate; relative paths are from the site file. */
        caFile: z.string().min(1).optional(),
        /** false accepts any broker certificate (a test broker only). */
        rejectUnauthorized: z.boolean().default(true),
      })
      .optional(),
    /** Every Fusebox topic starts with this. */
    prefix: topicPrefix.default('fusebox'),
    /** Publish Home Assistant MQTT discovery messages. */
    discovery: z.boolean().default(true),
    discoveryPrefix: topicPrefix.default('homeassistant'),
    /** Live values are published when they change, at most once per this interval per topic. */
    minIntervalMs: z.number().int().min(100, 'at least 100 ms').max(3_600_000).default(1000),
    /** Accept limit commands on the command topics (lower-only, with a watchdog). */
    commands: z.boolean({ error: 'expected true or false (a boolean)' }).default(false),
    /** A command not published again within this many seconds reverts (no MQTT limit). */
    watchdogS: z.number().int('must be a whole number').min(5, 'at least 5 s').max(3600).default(60),
  })
  .superRefine((c, ctx) => {
    if (c.password !== undefined && c.username === undefined)
      ctx.addIssue({ code: 'custom', path: ['password'], message: 'a password needs a username' });
  });

export type MqttConfig = z.output<typeof mqttConfigSchema>;

/** Reads the broker CA file; a message naming the file when it cannot be read or holds no certificate. */
export function readMqttCa(
  caFile: string,
  baseDir: string,
): { ok: true; ca: string } | { ok: false; message: string } {
  const path = resolve(baseDir, caFile);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { ok: false, message: `cannot read '${caFile}' (${path}): ${code ?? String(err)}` };
  }
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) return { ok: false, message: `'${caFile}' (${path}) holds no PEM certificate` };
  for (const b of blocks) {
    try {
      new X509Certificate(b);
    } catch (err) {
      return {
        ok: false,
        message: `'${caFile}' (${path}) holds a bad certificate: ${(err as Error).message}`,
      };
    }
  }
  return { ok: true, ca: text };
}

/** `fusebox check`, start and reload: the CA file named by `mqtt.tls.caFile` must be readable PEM. */
export function checkMqttFiles(
  mqtt: MqttConfig | undefined,
  baseDir: string | undefined,
  report: { error(path: (string | number)[], message: string): void },
): void {
  const caFile = mqtt?.tls?.caFile;
  if (caFile === undefined || baseDir === undefined) return;
  const r = readMqttCa(caFile, baseDir);
  if (!r.ok) report.error(['mqtt', 'tls', 'caFile'], r.message);
}

/** The broker url as logs and `fusebox check` show it: a password written in it is hidden. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

/** One line for `fusebox check` and `fusebox start`: broker (password hidden), prefix, commands, discovery. */
export function describeMqtt(mqtt: MqttConfig): string {
  const commands = mqtt.commands ? `commands on (watchdog ${mqtt.watchdogS} s)` : 'commands off';
  const discovery = mqtt.discovery ? `, Home Assistant discovery under ${mqtt.discoveryPrefix}` : '';
  return `${displayUrl(mqtt.url)}, prefix ${mqtt.prefix}, ${commands}${discovery}${mqtt.enabled ? '' : ' (disabled)'}`;
}
