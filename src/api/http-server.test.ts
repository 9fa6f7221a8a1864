import { describe, expect, it } from 'vitest';
import { buildHttpApp } from './http-server.ts';

describe('http server', () => {
  it('answers /healthz 503 until the control loop has run, then 200', async () => {
    let last: number | null = null;
    const app = buildHttpApp({ lastRunAtMs: () => last, state: () => ({ ports: [] }) });
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(503);
    last = Date.UTC(2026, 10, 26);
    const ok = await app.inject({ url: '/healthz' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ status: 'ok', lastRunAt: '2026-11-26T00:00:00.000Z' });
    expect((await app.inject({ url: '/api/v1/state' })).json()).toEqual({ ports: [] });
    expect((await app.inject({ url: '/nope' })).statusCode).toBe(404);
    await app.close();
  });
});
