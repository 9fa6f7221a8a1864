#!/usr/bin/env node
// The container's HEALTHCHECK: exit 0 when Fusebox's /healthz answers 200 (the control loop ran within 30 s),
// 1 otherwise. FUSEBOX_HEALTH_URL overrides the address (another http.port).
/* global process, fetch, AbortSignal, console -- Node.js globals (eslint has no Node environment for .js files) */
const url = process.env.FUSEBOX_HEALTH_URL ?? 'http://127.0.0.1:8080/healthz';

try {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (res.status !== 200) {
    console.error(`${url}: HTTP ${res.status} ${await res.text()}`);
    process.exit(1);
  }
} catch (err) {
  console.error(`${url}: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
