import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatProblem } from './config-problem.ts';
import { loadSiteConfigText } from './load.ts';

const site = (alerts: string): string => `site: { timeZone: Europe/Paris }
alerts:
${alerts}
circuits:
  - { id: main, limitA: 63 }
`;

describe('the alerts section', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fusebox-alerts-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const load = (text: string) => loadSiteConfigText(text, 'site.yaml', dir, {});

  it('takes its defaults, and a webhook whose secret is in a file', () => {
    writeFileSync(join(dir, 'hook.secret'), 'Bearer abc123\n');
    const r = load(
      site('  webhooks:\n    - url: https://alerts.example/hook\n      secretFile: hook.secret'),
    );
    expect(r.problems.map(formatProblem)).toEqual([]);
    expect(r.ok && r.config.alerts).toEqual({
      stationOfflineAfterS: 120,
      meterStaleAfterS: 30,
      limitHitAfterMin: 15,
      webhooks: [
        {
          url: 'https://alerts.example/hook',
          secretHeader: 'Authorization',
          secret: 'Bearer abc123',
          timeoutMs: 5000,
          retries: 5,
        },
      ],
    });
  });

  it('names a bad URL, header name and delay with their lines', () => {
    const r = load(
      site(
        '  limitHitAfterMin: 0\n  webhooks:\n    - url: ftp://alerts.example/\n      secretHeader: "X Token"',
      ),
    );
    expect(r.problems.map(formatProblem)).toEqual([
      'site.yaml:3:21  alerts.limitHitAfterMin  must be more than 0 min',
      'site.yaml:5:12  alerts.webhooks[0].url  expected an http:// or https:// URL',
      'site.yaml:6:21  alerts.webhooks[0].secretHeader  expected an HTTP header name such as Authorization or X-Fusebox-Token',
    ]);
  });
});
