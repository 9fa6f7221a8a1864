import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCheck } from '../config/check.ts';
import { loadSiteConfigText } from '../config/load.ts';
import { expectProblemAt } from '../config/testing/load-text.ts';

const base = ['site: { timeZone: Europe/Paris }', 'circuits: [{ id: main, limitA: 63 }]'];

describe('the mqtt section of the site file', () => {
  it('is absent by default, and takes its defaults when given with a url only', () => {
    const none = loadSiteConfigText(base.join('\n'), 'site.yaml');
    expect(none.ok && none.config.mqtt).toBeUndefined();
    const r = loadSiteConfigText([...base, 'mqtt: { url: "mqtt://127.0.0.1:1883" }'].join('\n'), 'site.yaml');
    expect(r.ok, JSON.stringify(r.problems)).toBe(true);
    if (!r.ok) return;
    expect(r.config.mqtt).toEqual({
      enabled: true,
      url: 'mqtt://127.0.0.1:1883',
      prefix: 'fusebox',
      discovery: true,
      discoveryPrefix: 'homeassistant',
      minIntervalMs: 1000,
      commands: false,
      watchdogS: 60,
    });
  });

  it.each([
    ['mqtt: { prefix: fusebox }', 'mqtt.url', 3, /url/],
    ['mqtt: { url: "http://broker" }', 'mqtt.url', 3, /mqtt:\/\/, mqtts:\/\/, ws:\/\/ or wss:\/\//],
    ['mqtt: { url: "mqtt://b", prefix: "a/+/b" }', 'mqtt.prefix', 3, /wildcard/],
    ['mqtt: { url: "mqtt://b", prefix: "/fusebox" }', 'mqtt.prefix', 3, /empty level/],
    ['mqtt: { url: "mqtt://b", discoveryPrefix: "ha#" }', 'mqtt.discoveryPrefix', 3, /wildcard/],
    ['mqtt: { url: "mqtt://b", watchdogS: 2 }', 'mqtt.watchdogS', 3, /at least 5/],
    ['mqtt: { url: "mqtt://b", minIntervalMs: 10 }', 'mqtt.minIntervalMs', 3, /at least 100/],
    ['mqtt: { url: "mqtt://b", commands: yes }', 'mqtt.commands', 3, /boolean/],
    ['mqtt: { url: "mqtt://b", passwd: x }', 'mqtt.passwd', 3, /unknown key 'passwd'/],
    ['mqtt: { url: "mqtt://b", password: x }', 'mqtt.password', 3, /username/],
  ])('%s → %s', (line, path, lineNo, message) => {
    expectProblemAt([...base, line].join('\n'), path, lineNo, message, { column: true });
  });

  it('fusebox check names a TLS CA file it cannot read, at its line and column', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fusebox-mqtt-check-'));
    const file = join(dir, 'site.yaml');
    writeFileSync(
      file,
      [...base, 'mqtt:', '  url: "mqtts://broker.local:8883"', '  tls:', '    caFile: missing-ca.pem'].join(
        '\n',
      ),
    );
    const lines: string[] = [];
    expect(runCheck(file, (l) => lines.push(l))).toBe(2);
    expect(lines.join('\n')).toMatch(/site\.yaml:6:13.*mqtt\.tls\.caFile.*cannot read 'missing-ca\.pem'/);
  });

  it('fusebox check passes a good section and shows it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fusebox-mqtt-check-'));
    const file = join(dir, 'site.yaml');
    writeFileSync(
      file,
      [...base, 'mqtt: { url: "mqtt://127.0.0.1:1883", commands: true, watchdogS: 30 }'].join('\n'),
    );
    const lines: string[] = [];
    expect(
      runCheck(file, (l) => lines.push(l)),
      lines.join('\n'),
    ).toBe(0);
    expect(lines.join('\n')).toMatch(
      /MQTT: mqtt:\/\/127\.0\.0\.1:1883, prefix fusebox, commands on \(watchdog 30 s\)/,
    );
  });
});
