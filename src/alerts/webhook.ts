/**
 * One alert webhook: JSON POSTs in order, each retried after a failure (no answer within the timeout, 408,
 * 429 or 5xx) 1 s later, then doubling up to 60 s, at most `retries` times. The secret header is sent and never
 * logged; logs name the webhook by its origin only (a path may hold a token).
 */
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';

export interface WebhookTarget {
  readonly url: string;
  /** Header name and value carrying the secret; absent: none. */
  readonly secretHeader?: { readonly name: string; readonly value: string } | undefined;
  readonly timeoutMs: number;
  readonly retries: number;
}

export interface WebhookOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  /** First retry delay (default 1 s), doubled per failure up to `retryMaxMs` (default 60 s). */
  readonly retryFirstMs?: number;
  readonly retryMaxMs?: number;
  /** Payloads waiting at most; the oldest is dropped beyond (default 1000). */
  readonly maxQueue?: number;
  /** Told of each POST abandoned after its last retry, or refused (4xx). */
  readonly onFailure?: () => void;
}

const RETRYABLE = (status: number): boolean => status === 408 || status === 429 || status >= 500;

export class WebhookSender {
  private readonly queue: unknown[] = [];
  private sending = false;
  private stopped = false;
  private timer: unknown = null;
  private wake: (() => void) | null = null;
  private readonly abort = new AbortController();
  readonly name: string;

  constructor(
    private readonly target: WebhookTarget,
    private readonly options: WebhookOptions,
  ) {
    this.name = new URL(target.url).origin;
  }

  /** Queues a payload; POSTs follow the order of `send`. */
  send(payload: unknown): void {
    if (this.stopped) return;
    if (this.queue.length >= (this.options.maxQueue ?? 1000)) {
      this.queue.shift();
      this.options.logger.warn({ webhook: this.name }, 'alert webhook: queue full, the oldest alert dropped');
      this.options.onFailure?.();
    }
    this.queue.push(payload);
    if (!this.sending) void this.pump();
  }

  /** Stops sending: what is queued is dropped, a POST in progress is aborted. */
  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
    this.options.clock.clearTimeout(this.timer);
    this.abort.abort();
    this.wake?.();
  }

  private async pump(): Promise<void> {
    this.sending = true;
    try {
      while (!this.stopped && this.queue.length > 0) {
        const payload = this.queue[0];
        const body = JSON.stringify(payload);
        let delayMs = this.options.retryFirstMs ?? 1000;
        for (let attempt = 0; !this.stopped; attempt++) {
          const outcome = await this.post(body);
          if (outcome === 'ok') break;
          if (outcome === 'refused' || attempt >= this.target.retries) {
            if (!this.stopped) {
              this.options.logger.error(
                { webhook: this.name, attempts: attempt + 1 },
                outcome === 'refused'
                  ? 'alert webhook refused the alert: not retried'
                  : 'alert webhook: giving up on an alert after its last retry',
              );
              this.options.onFailure?.();
            }
            break;
          }
          await this.sleep(delayMs);
          delayMs = Math.min(delayMs * 2, this.options.retryMaxMs ?? 60_000);
        }
        this.queue.shift();
      }
    } finally {
      this.sending = false;
    }
  }

  private async post(body: string): Promise<'ok' | 'retry' | 'refused'> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'fusebox-alerts',
    };
    const secret = this.target.secretHeader;
    if (secret) headers[secret.name] = secret.value;
    try {
      const res = await fetch(this.target.url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.target.timeoutMs)]),
      });
      await res.body?.cancel();
      if (res.ok) return 'ok';
      this.options.logger.warn({ webhook: this.name, status: res.status }, 'alert webhook answered an error');
      return RETRYABLE(res.status) ? 'retry' : 'refused';
    } catch (err) {
      if (!this.stopped)
        this.options.logger.warn(
          { webhook: this.name, error: err instanceof Error ? err.message : String(err) },
          'alert webhook not reached',
        );
      return 'retry';
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.timer = this.options.clock.setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
    });
  }
}
