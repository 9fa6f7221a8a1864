/**
 * Alerts end to end: a real Fusebox, real OCPP stations over WebSockets, a Modbus meter that never answers,
 * and a real HTTP receiver on 127.0.0.1 that the webhook POSTs to (its first answer a 500).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo, Server, Socket } from 'node:net';
import { createServer as createTcpServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, describe, expect, it, onTestFailed, vi } from 'vitest';
import type { Fusebox } from '../app.ts';
import { startFusebox } from '../app.ts';
import type { LoadedSiteConfig } from '../config/load.ts';
import { loadSiteConfigText } from '../config/load.ts';
import { SimulatedStation } from '../sim/devices/ocpp-station.ts';
import modbusSerial from 'modbus-serial';
import type { AlertPayload } from './alerts.ts';

// modbus-serial is CommonJS: its class is the default export under ESM (as in src/ems-view.test.ts).
type ModbusRTUClass = typeof modbusSerial.default;
const ModbusRTU = ((modbusSerial as unknown as { default?: ModbusRTUClass }).default ??
  modbusSerial) as ModbusRTUClass;

const SECRET = 'Bearer webhook-secret-7f3e9a';

interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: AlertPayload;
  readonly answered: number;
}

describe('alerts: webhook and metrics from a running Fusebox', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fusebox-alerts-'));
  const received: Received[] = [];
  let failNext = 1;
  const receiver = createServer((req, res) => {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString()));
    req.on('end', () => {
      const status = failNext > 0 ? 500 : 200;
      failNext--;
      received.push({ headers: req.headers, body: JSON.parse(text) as AlertPayload, answered: status });
      res.writeHead(status).end();
    });
  });
  // A Modbus TCP peer that accepts and never answers: the meter behind it goes stale.
  const sockets = new Set<Socket>();
  const silent: Server = createTcpServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  });
  let logs = '';
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer, _enc, done) {
        logs += chunk.toString();
        done();
      },
    }),
  );
  let fusebox: Fusebox | undefined;
  const sims: SimulatedStation[] = [];
  const closers: (() => void)[] = [];

  afterAll(async () => {
    for (const close of closers) close();
    for (const s of sims) await s.close().catch(() => undefined);
    await fusebox?.stop();
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => silent.close(resolve));
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  const posts = (alert: string, subject: string, status: 'firing' | 'resolved'): Received[] =>
    received.filter((r) => r.body.alert === alert && r.body.subject === subject && r.body.status === status);

  it('fires, retries after a 500, resolves, and shows the alerts in /metrics', async () => {
    // A failure on a loaded CI machine is diagnosed from Fusebox's own log: print it with the failure.
    onTestFailed(() => console.error(`Fusebox's log:\n${logs}`));
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const hookPort = (receiver.address() as AddressInfo).port;
    const meterPort = (silent.address() as AddressInfo).port;
    const text = `site: { name: Alert site, timeZone: Europe/Paris }
alerts:
  stationOfflineAfterS: 1
  meterStaleAfterS: 1
  limitHitAfterMin: 0.02
  webhooks:
    - url: http://127.0.0.1:${hookPort}/hook
      secretHeader: X-Fusebox-Token
      secretEnv: FUSEBOX_TEST_WEBHOOK_SECRET
      timeoutMs: 5000
ems: { allow: [127.0.0.1], watchdogMs: 3000 }
circuits:
  - { id: main, limitA: 40, meter: grid }
meters:
  - id: grid
    role: load
    timeoutMs: 1000
    driver: { type: modbus, host: 127.0.0.1, port: ${meterPort}, preset: sdm630, requestTimeoutMs: 200 }
stations:
  - { id: CP1, circuit: main, maxA: 32 }
  - { id: CP2, circuit: main, maxA: 32 }
`;
    const r = loadSiteConfigText(text, 'alerts.yaml', dir, { FUSEBOX_TEST_WEBHOOK_SECRET: SECRET });
    expect(r.problems.filter((p) => p.severity === 'error')).toEqual([]);
    fusebox = await startFusebox({
      loaded: r as LoadedSiteConfig,
      configDir: dir,
      logger,
      ports: { ocpp: 0, http: 0, ems: 0 },
      storePath: join(dir, 'fusebox.db'),
      webRoot: join(dir, 'no-web'),
      control: { coalesceMs: 20, periodMs: 200 },
    });
    const f = fusebox;

    // Nobody connected: both stations go offline after 1 s, the meter stale after 1 s. The first POST is
    // answered 500 and sent again (1 s later) with the same body.
    await vi.waitFor(
      () => {
        expect(posts('station-offline', 'CP1', 'firing').some((p) => p.answered === 200)).toBe(true);
        expect(posts('station-offline', 'CP2', 'firing').length).toBeGreaterThan(0);
        expect(posts('meter-stale', 'grid', 'firing').length).toBeGreaterThan(0);
      },
      { timeout: 30_000, interval: 100 },
    );
    expect(received[0]!.answered).toBe(500);
    expect(received[1]!.body).toEqual(received[0]!.body);
    expect(received[1]!.answered).toBe(200);
    const offline = posts('station-offline', 'CP1', 'firing')[0]!.body;
    expect(offline).toEqual({
      version: 1,
      source: 'fusebox',
      site: 'Alert site',
      status: 'firing',
      alert: 'station-offline',
      subject: 'CP1',
      labels: { station: 'CP1' },
      summary: 'station CP1 is not connected',
      startsAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) as unknown,
      endsAt: null,
    });
    for (const p of received) {
      expect(p.headers['x-fusebox-token']).toBe(SECRET);
      expect(p.headers['content-type']).toBe('application/json');
    }

    // CP1 connects and charges: offline resolves; the stale meter leaves no room on the circuit (its non-EV load counts at the limit), so the circuit holds the car back.
    const url = `ws://127.0.0.1:${f.endpoints.ocppPort}/ocpp`;
    const cp1 = new SimulatedStation({ url, stationId: 'CP1', version: '1.6', ports: 1 });
    sims.push(cp1);
    await cp1.connect();
    await cp1.plugIn(1);
    await cp1.start(1, 'TAG1');
    await vi.waitFor(
      () => {
        expect(posts('station-offline', 'CP1', 'resolved').length).toBe(1);
        expect(posts('limit-hit', 'main', 'firing').length).toBe(1);
      },
      { timeout: 30_000, interval: 100 },
    );
    const resolved = posts('station-offline', 'CP1', 'resolved')[0]!.body;
    expect(resolved.startsAt).toBe(offline.startsAt);
    expect(Date.parse(resolved.endsAt!)).toBeGreaterThan(Date.parse(resolved.startsAt));
    expect(posts('limit-hit', 'main', 'firing')[0]!.body).toMatchObject({
      labels: { circuit: 'main' },
      summary: expect.stringContaining('circuit main has held back charging') as unknown,
    });
    // CP2 is still away.
    expect(posts('station-offline', 'CP2', 'resolved')).toEqual([]);

    // CP2 connects and rejects every limit: a setpoint-rejected alert for its port.
    const cp2 = new SimulatedStation({
      url,
      stationId: 'CP2',
      version: '1.6',
      ports: 1,
      refuseProfiles: 'Rejected',
    });
    sims.push(cp2);
    await cp2.connect();
    await cp2.plugIn(1);
    await cp2.start(1, 'TAG2');
    await vi.waitFor(() => expect(posts('setpoint-rejected', 'CP2/1', 'firing').length).toBe(1), {
      timeout: 30_000,
      interval: 100,
    });
    expect(posts('setpoint-rejected', 'CP2/1', 'firing')[0]!.body.labels).toEqual({
      port: 'CP2/1',
      station: 'CP2',
    });

    // Prometheus: the firing alerts, the rejections, how long each condition held.
    const metrics = (await f.http.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/^fusebox_alert_firing\{alert="meter-stale",subject="grid"\} 1$/m);
    expect(metrics).toMatch(/^fusebox_alert_firing\{alert="limit-hit",subject="main"\} 1$/m);
    expect(metrics).toMatch(/^fusebox_alert_firing\{alert="setpoint-rejected",subject="CP2\/1"\} 1$/m);
    expect(metrics).not.toMatch(/^fusebox_alert_firing\{alert="station-offline",subject="CP1"\}/m);
    expect(metrics).toMatch(/^fusebox_setpoints_rejected_total\{port="CP2\/1"\} [1-9]\d*$/m);
    const held = /^fusebox_alert_condition_seconds\{alert="meter-stale",subject="grid"\} (\S+)$/m.exec(
      metrics,
    );
    expect(Number(held?.[1])).toBeGreaterThanOrEqual(1);
    expect(metrics).toMatch(/^fusebox_alert_webhook_failures_total 0$/m);

    // The EMS writes a command and falls silent: its watchdog expires; a new write resolves the alert.
    const ems = new ModbusRTU();
    closers.push(() => ems.close(() => undefined));
    await ems.connectTCP('127.0.0.1', { port: f.endpoints.emsPort! });
    ems.setID(1);
    await ems.writeRegister(500, 1); // chargingEnabled
    await vi.waitFor(() => expect(posts('ems-watchdog-expired', 'ems', 'firing').length).toBe(1), {
      timeout: 30_000,
      interval: 100,
    });
    expect(posts('ems-watchdog-expired', 'ems', 'firing')[0]!.body.summary).toBe(
      'the EMS did not renew its command within ems.watchdogMs: its fallback is in force',
    );
    await ems.writeRegister(500, 1);
    await vi.waitFor(() => expect(posts('ems-watchdog-expired', 'ems', 'resolved').length).toBe(1), {
      timeout: 30_000,
      interval: 100,
    });

    // CP1 stops charging: the circuit no longer holds anybody back once CP2 also stops.
    await cp1.stop(1);
    await cp2.stop(1);
    await vi.waitFor(
      () => {
        expect(posts('limit-hit', 'main', 'resolved').length).toBe(1);
        // CP2 never accepted a limit: its rejection ends with its session.
        expect(posts('setpoint-rejected', 'CP2/1', 'resolved').length).toBe(1);
      },
      { timeout: 30_000, interval: 100 },
    );

    // The secret was sent, never logged.
    expect(logs).toContain('alert: station CP1 is not connected');
    expect(logs).not.toContain('webhook-secret');
  });
});
