/**
 * The cloud over wss:// from a site file (docs/proxy.md): its CA from `caFile`, the station's client
 * certificate (security profile 3) from `certFile`/`keyFile`. Certificates made with openssl (test-ca.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadSiteConfigFile } from '../config/load.ts';
import { upstreamSettingsOf } from '../config/upstream-section.ts';
import { eventually } from '../ocpp/testing/ocpp-harness.ts';
import { TestCa, haveOpenssl } from '../ocpp/testing/test-ca.ts';
import { SimulatedStation } from '../sim/devices/ocpp-station.ts';
import { closeAfterEach } from './testing/close-after-each.ts';
import type { Proxied } from './testing/proxied-harness.ts';
import { startProxied } from './testing/proxied-harness.ts';
import { TestCloud } from './testing/test-cloud.ts';

let dir = '';
let cloud: TestCloud | undefined;
let p: Proxied | undefined;
const stations = closeAfterEach(() => [p, cloud]);
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The upstream settings of a site file naming `caFile` and CP1's client certificate. */
function settingsFromSiteFile(url: string, caFile: string, cert: { certFile: string; keyFile: string }) {
  const file = join(dir, 'site.yaml');
  writeFileSync(
    file,
    [
      'site: { timeZone: UTC }',
      'circuits: [{ id: main, limitA: 63 }]',
      'stations: [{ id: CP1, circuit: main }]',
      'upstream:',
      `  url: ${url}/{stationId}`,
      `  caFile: ${caFile}`,
      '  reconnect: { initialDelayMs: 100, maxDelayMs: 400 }',
      `  stations: [{ id: CP1, certFile: ${cert.certFile}, keyFile: ${cert.keyFile} }]`,
    ].join('\n'),
  );
  const r = loadSiteConfigFile(file, { readFiles: true });
  expect(r.ok, JSON.stringify(r.problems)).toBe(true);
  if (!r.ok) throw new Error('site file refused');
  return upstreamSettingsOf(r.config, dir)!;
}

describe.skipIf(!haveOpenssl)('the cloud over wss:// (caFile, client certificate)', () => {
  it('connects with the CA and client certificate of the site file, and not with another CA', async () => {
    dir = mkdtempSync(join(tmpdir(), 'fusebox-upstream-tls-'));
    const ca = new TestCa(join(dir, 'ca'), 'Cloud CA');
    const other = new TestCa(join(dir, 'other'), 'Another CA');
    const server = ca.server();
    const client = ca.station('CP1');
    cloud = await TestCloud.start({ tls: { key: server.key, cert: server.cert, ca: ca.cert } });

    const wrong = settingsFromSiteFile(cloud.url, join(dir, 'other', 'ca.crt'), client);
    p = await startProxied({
      cloudUrl: cloud.url,
      stations: [{ id: 'CP1', version: '1.6' }],
      settings: wrong,
    });
    let st = new SimulatedStation({ url: p.h.url, stationId: 'CP1', version: '1.6', ports: 1 });
    stations.push(st);
    await st.connect();
    await eventually(
      () => p!.proxy.status('CP1').state === 'outage',
      'refused: the cloud certificate is not from that CA',
    );
    expect(cloud.connects.get('CP1')).toBeUndefined();
    expect(other.cert).not.toBe(ca.cert);
    await st.close();
    await p.dispose();

    const right = settingsFromSiteFile(cloud.url, 'ca/ca.crt', client);
    p = await startProxied({
      cloudUrl: cloud.url,
      stations: [{ id: 'CP1', version: '1.6' }],
      settings: right,
    });
    st = new SimulatedStation({ url: p.h.url, stationId: 'CP1', version: '1.6', ports: 1 });
    stations.push(st);
    await st.connect({ boot: false });
    await eventually(() => p!.proxy.status('CP1').state === 'connected', 'connected over wss');
    expect(cloud.clientCns.get('CP1')).toBe('CP1');
    expect((await st.boot()).status).toBe('Accepted');
    expect(cloud.of('CP1', ['BootNotification'])).toHaveLength(1);
  });
});
