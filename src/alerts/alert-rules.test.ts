/**
 * The example Prometheus rules of docs/integrations.md: valid for Prometheus (`promtool check rules`), and
 * firing on series shaped as Fusebox exposes them (`promtool test rules`). promtool: Debian's prometheus
 * package (.ci/run installs it).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ALERT_NAMES } from './alert-monitor.ts';

const PROMTOOL = '/usr/bin/promtool';
const doc = readFileSync(join(import.meta.dirname, '../../docs/integrations.md'), 'utf8');
const section = doc.slice(doc.indexOf('## Prometheus alert rules'));
const rules = /```yaml\n([\s\S]+?)```/.exec(section)![1]!;

describe('docs/integrations.md: the example Prometheus alert rules', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fusebox-rules-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'rules.yml'), rules);

  const promtool = (...args: string[]) => {
    expect(existsSync(PROMTOOL), 'Debian package prometheus (installed by .ci/run)').toBe(true);
    return spawnSync(PROMTOOL, args, { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  };

  it('cover every alert Fusebox derives', () => {
    // A rejected setpoint is a single event: its counter says more than a gauge.
    const expr = (name: string): string =>
      name === 'setpoint-rejected' ? 'fusebox_setpoints_rejected_total' : `alert="${name}"`;
    for (const name of ALERT_NAMES) expect(rules).toContain(expr(name));
  });

  it('pass promtool check rules', () => {
    const r = promtool('check', 'rules', 'rules.yml');
    expect(r.stdout + r.stderr).toContain('SUCCESS: 7 rules found');
    expect(r.status).toBe(0);
  });

  it('fire on series as Fusebox exposes them, and only past their thresholds', () => {
    const cond = (alert: string, subject: string, values: string) => ({
      series: `fusebox_alert_condition_seconds{alert="${alert}",subject="${subject}",job="fusebox",instance="fb:8080"}`,
      values,
    });
    const tests = {
      rule_files: ['rules.yml'],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: [
            // Offline from minute 0: 60 s more every minute (300 s reached at minute 5, above it from 6).
            cond('station-offline', 'CP1', '0+60x10'),
            // Stale for 1 min only: never above 60 s.
            cond('meter-stale', 'grid', '0 60 _ _ _ _ _ _ _ _ _'),
            cond('limit-hit', 'main', '0+60x40'),
            {
              series:
                'fusebox_alert_firing{alert="ems-watchdog-expired",subject="ems",job="fusebox",instance="fb:8080"}',
              values: '1x10',
            },
            {
              series: 'fusebox_setpoints_rejected_total{port="CP2/1",job="fusebox",instance="fb:8080"}',
              values: '0 0 1 1 1 1 1 1 1 1 1',
            },
            {
              series: 'fusebox_alert_webhook_failures_total{job="fusebox",instance="fb:8080"}',
              values: '0x10',
            },
            { series: 'up{job="fusebox",instance="fb:8080"}', values: '1x10' },
          ],
          alert_rule_test: [
            { eval_time: '5m', alertname: 'FuseboxStationOffline', exp_alerts: [] },
            {
              eval_time: '6m',
              alertname: 'FuseboxStationOffline',
              exp_alerts: [
                {
                  exp_labels: {
                    severity: 'warning',
                    alert: 'station-offline',
                    subject: 'CP1',
                    job: 'fusebox',
                    instance: 'fb:8080',
                  },
                  exp_annotations: { summary: 'Station CP1 offline for more than 5 min' },
                },
              ],
            },
            { eval_time: '5m', alertname: 'FuseboxMeterStale', exp_alerts: [] },
            { eval_time: '30m', alertname: 'FuseboxLimitHit', exp_alerts: [] },
            {
              eval_time: '31m',
              alertname: 'FuseboxLimitHit',
              exp_alerts: [
                {
                  exp_labels: {
                    severity: 'info',
                    alert: 'limit-hit',
                    subject: 'main',
                    job: 'fusebox',
                    instance: 'fb:8080',
                  },
                  exp_annotations: { summary: 'Circuit main has held back charging for more than 30 min' },
                },
              ],
            },
            {
              eval_time: '3m',
              alertname: 'FuseboxSetpointRejected',
              exp_alerts: [
                {
                  exp_labels: { severity: 'warning', port: 'CP2/1', job: 'fusebox', instance: 'fb:8080' },
                  exp_annotations: { summary: 'Port CP2/1 rejected a charging limit' },
                },
              ],
            },
            {
              eval_time: '1m',
              alertname: 'FuseboxEmsWatchdogExpired',
              exp_alerts: [
                {
                  exp_labels: {
                    severity: 'warning',
                    alert: 'ems-watchdog-expired',
                    subject: 'ems',
                    job: 'fusebox',
                    instance: 'fb:8080',
                  },
                  exp_annotations: {
                    summary: 'The EMS stopped renewing its command: the fallback is in force',
                  },
                },
              ],
            },
            { eval_time: '10m', alertname: 'FuseboxWebhookFailing', exp_alerts: [] },
            { eval_time: '10m', alertname: 'FuseboxDown', exp_alerts: [] },
          ],
        },
      ],
    };
    writeFileSync(join(dir, 'tests.yml'), stringify(tests));
    const r = promtool('test', 'rules', 'tests.yml');
    expect(r.stdout + r.stderr).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });
});
