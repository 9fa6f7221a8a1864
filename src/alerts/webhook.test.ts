import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../clock.ts';
import { WebhookSender } from './webhook.ts';

interface Hit {
  readonly atMs: number;
  readonly body: { n: number };
  readonly auth: string | undefined;
}

describe('WebhookSender against a real HTTP receiver', () => {
  const hits: Hit[] = [];
  /** Status to answer, per payload number; 200 when absent. */
  const answers = new Map<number, number[]>();
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString()));
    req.on('end', () => {
      const body = JSON.parse(text) as { n: number };
      hits.push({ atMs: Date.now(), body, auth: req.headers.authorization });
      res.writeHead(answers.get(body.n)?.shift() ?? 200).end();
    });
  });
  let url = '';
  const senders: WebhookSender[] = [];
  const sender = (retries: number, onFailure?: () => void, secret?: string): WebhookSender => {
    const s = new WebhookSender(
      {
        url,
        secretHeader: secret === undefined ? undefined : { name: 'Authorization', value: secret },
        timeoutMs: 5000,
        retries,
      },
      {
        clock: systemClock,
        logger: pino({ level: 'silent' }),
        retryFirstMs: 100,
        retryMaxMs: 400,
        onFailure,
      },
    );
    senders.push(s);
    return s;
  };
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  afterAll(async () => {
    for (const s of senders) s.stop();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const of = (n: number): Hit[] => hits.filter((h) => h.body.n === n);

  it('retries 5xx and 429 with a doubling delay, keeping the order of the payloads', async () => {
    answers.set(1, [500, 503, 429]);
    const s = sender(5, undefined, 'Bearer s3cret');
    s.send({ n: 1 });
    s.send({ n: 2 });
    await vi.waitFor(() => expect(of(2).length).toBe(1), { timeout: 20_000, interval: 50 });
    const first = of(1);
    expect(first.length).toBe(4);
    // 100, 200, 400 ms apart at least (timers never fire early).
    const gaps = first.slice(1).map((h, i) => h.atMs - first[i]!.atMs);
    expect(gaps[0]).toBeGreaterThanOrEqual(95);
    expect(gaps[1]).toBeGreaterThanOrEqual(195);
    expect(gaps[2]).toBeGreaterThanOrEqual(395);
    // Payload 2 waited for payload 1.
    expect(of(2)[0]!.atMs).toBeGreaterThanOrEqual(first[3]!.atMs);
    expect(first.every((h) => h.auth === 'Bearer s3cret')).toBe(true);
  });

  it('gives up after its retries, and does not retry a 4xx', async () => {
    answers.set(3, [500, 500, 500, 500]);
    answers.set(4, [400, 400]);
    let failures = 0;
    const s = sender(2, () => failures++);
    s.send({ n: 3 });
    s.send({ n: 4 });
    s.send({ n: 5 });
    await vi.waitFor(() => expect(of(5).length).toBe(1), { timeout: 20_000, interval: 50 });
    expect(of(3).length).toBe(3); // the first POST and 2 retries
    expect(of(4).length).toBe(1);
    expect(failures).toBe(2);
    expect(of(5)[0]!.auth).toBeUndefined();
  });
});
