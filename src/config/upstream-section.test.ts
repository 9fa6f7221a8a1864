import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadSiteConfigFile, loadSiteConfigText } from './load.ts';
import { summarizeSite } from './site-summary.ts';
import { upstreamSettingsOf } from './upstream-section.ts';
import { expectProblemAt } from './testing/load-text.ts';

const base = [
  'site: { timeZone: Europe/Paris }',
  'circuits: [{ id: main, limitA: 63 }]',
  'stations: [{ id: cp1, circuit: main }, { id: cp2, circuit: main }]',
];

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('upstream: the operator cloud CSMS (docs/proxy.md)', () => {
  it('no upstream section: no relay, as before', () => {
    const r = loadSiteConfigText(base.join('\n'), 'site.yaml');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.upstream).toBeUndefined();
    expect(upstreamSettingsOf(r.config, '.')).toBeUndefined();
  });

  it('a site-wide url with {stationId}, per-station passwords and a station left out', () => {
    const text = [
      ...base,
      'upstream:',
      '  url: wss://csms.example.com/ocpp/{stationId}',
      '  stations:',
      '    - { id: cp1, password: s3cret-one }',
      '    - { id: cp2, enabled: false }',
    ].join('\n');
    const r = loadSiteConfigText(text, 'site.yaml');
    expect(r.ok, JSON.stringify(r.problems)).toBe(true);
    if (!r.ok) return;
    const s = upstreamSettingsOf(r.config, '.')!;
    expect(s.stationFor('cp1')).toEqual({
      stationId: 'cp1',
      endpoint: 'wss://csms.example.com/ocpp',
      password: 's3cret-one',
    });
    expect(s.stationFor('cp2')).toBeUndefined();
    expect(s.disabled('cp2')).toBe(true);
    // A station that is not configured (auto-registered) goes to the site-wide url.
    expect(s.stationFor('cp9')?.endpoint).toBe('wss://csms.example.com/ocpp');
    expect(s.reconnect).toEqual({ initialDelayMs: 1000, maxDelayMs: 60_000 });
    // fusebox check says so in its summary.
    expect(summarizeSite(r)).toContain(
      'relayed to the cloud: 1 of 2 stations (wss://csms.example.com/ocpp/{stationId}); not relayed: cp2',
    );
  });

  it('offlineUnknownIdTags: accept, reject or { acceptUpToKwh: N } reach the relay settings', () => {
    for (const [yaml, want] of [
      ['reject', 'reject'],
      ['accept', 'accept'],
      ['{ acceptUpToKwh: 7.5 }', { acceptUpToKwh: 7.5 }],
    ] as const) {
      const text = [...base, `upstream: { url: "wss://x/ocpp", offlineUnknownIdTags: ${yaml} }`].join('\n');
      const r = loadSiteConfigText(text, 'site.yaml');
      expect(r.ok, JSON.stringify(r.problems)).toBe(true);
      if (!r.ok) return;
      expect(upstreamSettingsOf(r.config, '.')!.offlineUnknownIdTags).toEqual(want);
    }
  });

  it('fusebox check says what unknown id tags get during an outage', () => {
    const summary = (policy: string | undefined): string[] => {
      const extra = policy === undefined ? '' : `, offlineUnknownIdTags: ${policy}`;
      const r = loadSiteConfigText(
        [...base, `upstream: { url: "wss://x/ocpp"${extra} }`].join('\n'),
        'site.yaml',
      );
      if (!r.ok) throw new Error(JSON.stringify(r.problems));
      return summarizeSite(r);
    };
    expect(summary('{ acceptUpToKwh: 7.5 }')).toContain(
      'unknown id tags while the cloud is down: accepted up to 7.5 kWh a session',
    );
    expect(summary('reject')).toContain('unknown id tags while the cloud is down: rejected');
    expect(summary(undefined)).toContain(
      'unknown id tags while the cloud is down: as ocpp.acceptUnknownIdTags (accepted)',
    );
  });

  it('takes the password from an environment variable (passwordEnv, a secret field)', () => {
    process.env.FUSEBOX_TEST_UPSTREAM_PW = 'from-the-env';
    try {
      const text = [
        ...base,
        'upstream:',
        '  url: wss://csms.example.com/ocpp',
        '  stations: [{ id: cp1, passwordEnv: FUSEBOX_TEST_UPSTREAM_PW }]',
      ].join('\n');
      const r = loadSiteConfigText(text, 'site.yaml', '.');
      expect(r.ok, JSON.stringify(r.problems)).toBe(true);
      if (!r.ok) return;
      expect(upstreamSettingsOf(r.config, '.')!.stationFor('cp1')?.password).toBe('from-the-env');
    } finally {
      delete process.env.FUSEBOX_TEST_UPSTREAM_PW;
    }
  });

  it('a url without the placeholder gets the station id appended (OCPP-J)', () => {
    const text = [
      ...base,
      'upstream: { url: "ws://10.0.0.1:9000/steve/websocket/CentralSystemService/" }',
    ].join('\n');
    const r = loadSiteConfigText(text, 'site.yaml');
    expect(r.ok, JSON.stringify(r.problems)).toBe(true);
    if (!r.ok) return;
    expect(upstreamSettingsOf(r.config, '.')!.stationFor('cp1')?.endpoint).toBe(
      'ws://10.0.0.1:9000/steve/websocket/CentralSystemService',
    );
  });

  it.each([
    ['upstream: { url: "http://x/ocpp" }', 'upstream.url', 4, /ws:\/\/ or wss:\/\//],
    ['upstream: { url: "wss://x/{stationId}/ocpp" }', 'upstream.url', 4, /end with \/\{stationId\}/],
    ['upstream: { url: "wss://x/ocpp", pasword: a }', 'upstream.pasword', 4, /unknown key/],
    [
      'upstream: { url: "wss://x/ocpp", stations: [{ id: cp7 }] }',
      'upstream.stations[0].id',
      4,
      /not a station/,
    ],
    ['upstream: { stations: [{ id: cp1 }] }', 'upstream.stations[0]', 4, /no url/],
    [
      'upstream: { url: "wss://x/ocpp", stations: [{ id: cp1, certFile: c.pem }] }',
      'upstream.stations[0].certFile',
      4,
      /keyFile/,
    ],
    [
      'upstream: { url: "wss://x/ocpp", stations: [{ id: cp1 }, { id: cp1 }] }',
      'upstream.stations[1].id',
      4,
      /twice/,
    ],
    [
      'upstream: { url: "wss://x/ocpp", reconnect: { initialDelayMs: 5000, maxDelayMs: 1000 } }',
      'upstream.reconnect.maxDelayMs',
      4,
      /initialDelayMs/,
    ],
    [
      'upstream: { url: "wss://x/ocpp", offlineUnknownIdTags: maybe }',
      'upstream.offlineUnknownIdTags',
      4,
      /accept, reject or \{ acceptUpToKwh: N \}/,
    ],
    [
      'upstream: { url: "wss://x/ocpp", offlineUnknownIdTags: { acceptUpToKwh: 0 } }',
      'upstream.offlineUnknownIdTags.acceptUpToKwh',
      4,
      /more than 0/,
    ],
  ])('%s → %s', (line, path, lineNo, message) => {
    expectProblemAt([...base, line].join('\n'), path, lineNo, message, { column: true });
  });

  it('fusebox check reads the CA and client certificate files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fusebox-upstream-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'ca.pem'), 'not a certificate');
    const file = join(dir, 'site.yaml');
    writeFileSync(
      file,
      [
        ...base,
        'upstream:',
        '  url: wss://csms.example.com/ocpp',
        '  caFile: ca.pem',
        '  stations: [{ id: cp1, certFile: missing.pem, keyFile: missing.key }]',
      ].join('\n'),
    );
    const r = loadSiteConfigFile(file, { readFiles: true });
    expect(r.ok).toBe(false);
    const ca = r.problems.find((p) => p.path === 'upstream.caFile');
    expect(ca?.message).toMatch(/no PEM certificate/);
    expect(ca?.line).toBe(6);
    const cert = r.problems.find((p) => p.path === 'upstream.stations[0].certFile');
    expect(cert?.message).toMatch(/no such file/);
  });
});
