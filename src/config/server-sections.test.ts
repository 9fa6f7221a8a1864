import { describe, expect, it } from 'vitest';
import { loadSiteConfigText } from './load.ts';
import { expectProblemAt } from './testing/load-text.ts';

const base = ['site: { timeZone: Europe/Paris }', 'circuits: [{ id: main, limitA: 63 }]'];

describe('process sections: ocpp, http, store, station security', () => {
  it('gives every process setting its default', () => {
    const r = loadSiteConfigText([...base, 'stations: [{ id: cp1, circuit: main }]'].join('\n'), 'site.yaml');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.ocpp).toMatchObject({
      host: '0.0.0.0',
      port: 9000,
      autoRegister: false,
      uncontrolledPortAction: 'none',
    });
    expect(r.config.http).toEqual({ host: '0.0.0.0', port: 8080, secureCookies: false, trustProxy: false });
    expect(r.config.store).toEqual({ path: 'data/fusebox.db' });
    expect(r.config.stations[0]!.securityProfile).toBeUndefined();
  });

  it.each([
    ['ocpp: { port: 70000 }', 'ocpp.port', 3, /65535/],
    ['ocpp: { uncontrolledPortAction: kill }', 'ocpp.uncontrolledPortAction', 3, /none, unavailable or stop/],
    ['http: { port: -1 }', 'http.port', 3, /0/],
    ['http: { metricsToken: short }', 'http.metricsToken', 3, /16 characters/],
    ['store: { file: x.db }', 'store.file', 3, /unknown key 'file'/],
    [
      'stations: [{ id: cp1, circuit: main, securityProfile: 4 }]',
      'stations[0].securityProfile',
      3,
      /0, 1, 2 or 3/,
    ],
    [
      'stations: [{ id: cp1, circuit: main, passwordHash: hunter2 }]',
      'stations[0].passwordHash',
      3,
      /hash-password/,
    ],
  ])('%s → %s', (line, path, lineNo, message) => {
    expectProblemAt([...base, line].join('\n'), path, lineNo, message);
  });
});
