/**
 * The live stream (Server-Sent Events): after each control run, at most every 500 ms, the `circuits` and
 * `ports` payloads when they changed; every new event row; `overrides` and `schedules` after a write; a
 * `: ping` comment every 15 s so proxies keep the connection open.
 */
import type { ServerResponse } from 'node:http';
import type { Clock, RepeatingTimer } from '../clock.ts';
import { every, systemClock } from '../clock.ts';

export interface LiveHubOptions {
  readonly minIntervalMs?: number;
  readonly pingMs?: number;
  /** Fusebox's clock (the system clock when absent). */
  readonly clock?: Clock;
}

/** Builds the payloads of a run: computed only when someone listens. */
export type RunPayloads = () => { readonly circuits: unknown; readonly ports: unknown };

// Fields that change every time without anything changing on site.
const volatile = (key: string, value: unknown): unknown =>
  key === 'atMs' || key === 'durationS' ? undefined : value;

export class LiveHub {
  private readonly clients = new Set<ServerResponse>();
  private readonly lastSent = new Map<string, string>();
  private lastRunSentMs = Number.NEGATIVE_INFINITY;
  private pending: unknown = null;
  private readonly ping: RepeatingTimer;
  private readonly minIntervalMs: number;
  private readonly clock: Clock;

  constructor(
    private readonly payloads: RunPayloads,
    options: LiveHubOptions = {},
  ) {
    this.minIntervalMs = options.minIntervalMs ?? 500;
    this.clock = options.clock ?? systemClock;
    this.ping = every(this.clock, options.pingMs ?? 15_000, () => this.write(': ping\n\n'));
  }

  get size(): number {
    return this.clients.size;
  }

  /** Starts streaming to a response; sends the current circuits and ports at once. */
  attach(res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    this.clients.add(res);
    res.on('close', () => this.clients.delete(res));
    const p = this.payloads();
    res.write(frame('circuits', p.circuits) + frame('ports', p.ports));
  }

  /** A control run happened: send what changed, throttled. */
  onRun(): void {
    if (this.clients.size === 0 || this.pending !== null) return;
    // At most the interval: after the wall clock stepped back, the last send looks to be in the future.
    const waitMs = Math.min(this.minIntervalMs, this.lastRunSentMs + this.minIntervalMs - this.clock.nowMs());
    if (waitMs > 0) {
      this.pending = this.clock.setTimeout(() => {
        this.pending = null;
        this.sendRun();
      }, waitMs);
      return;
    }
    this.sendRun();
  }

  /** Sends an event to everyone now (new event rows, overrides, schedules). */
  publish(event: string, data: unknown): void {
    if (this.clients.size > 0) this.write(frame(event, data));
  }

  close(): void {
    this.ping.stop();
    if (this.pending !== null) this.clock.clearTimeout(this.pending);
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  private sendRun(): void {
    this.lastRunSentMs = this.clock.nowMs();
    const p = this.payloads();
    for (const [event, data] of [
      ['circuits', p.circuits],
      ['ports', p.ports],
    ] as const) {
      const key = JSON.stringify(data, volatile);
      if (this.lastSent.get(event) === key) continue;
      this.lastSent.set(event, key);
      this.write(frame(event, data));
    }
  }

  private write(text: string): void {
    for (const res of this.clients) res.write(text);
  }
}

function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
