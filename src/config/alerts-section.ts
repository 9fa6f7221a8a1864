/** `alerts`: when a condition becomes an alert, and the webhooks told of it (docs/integrations.md). */
import { z } from 'zod';
import { secretField } from './secret-field.ts';

// RFC 9110 token: the characters of a header name.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const webhookSchema = z.strictObject({
  /** Where alerts are POSTed as JSON. */
  url: z
    .string({ error: 'expected an http:// or https:// URL' })
    .refine((u) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol), {
      error: 'expected an http:// or https:// URL',
    }),
  /** The header that carries `secret` (e.g. `Authorization` with a secret `Bearer ...`). */
  secretHeader: z
    .string()
    .regex(HEADER_NAME, 'expected an HTTP header name such as Authorization or X-Fusebox-Token')
    .default('Authorization'),
  /** The value of `secretHeader`; absent: no such header. */
  ...secretField('secret', z.string().min(1, 'must not be empty')),
  /** One POST is abandoned after this long (and retried). */
  timeoutMs: z.number().int().min(100).max(60_000).default(5000),
  /** Retries of a POST that failed (no answer, 408, 429 or 5xx), 1 s apart doubling up to 60 s. */
  retries: z.number().int().min(0).max(20).default(5),
});

export const alertsSectionSchema = z.strictObject({
  /** A configured station not connected for this long is an alert. */
  stationOfflineAfterS: z.number().int().min(1).max(86_400).default(120),
  /** A meter without fresh readings for this long (counted from the start for one never read) is an alert. */
  meterStaleAfterS: z.number().int().min(1).max(86_400).default(30),
  /** A circuit that holds back charging (ports limited or paused by it) for this long is an alert. */
  limitHitAfterMin: z.number().positive('must be more than 0 min').max(1440).default(15),
  webhooks: z.array(webhookSchema, { error: 'expected a list of webhooks' }).default([]),
});

export type AlertsSection = z.output<typeof alertsSectionSchema>;
export type WebhookConfig = AlertsSection['webhooks'][number];
