#!/usr/bin/env node
// The `fusebox` command. Runs the compiled JavaScript in dist/ (built by `npm install` in a clone, through the
// `prepare` script, or `npm run build`; shipped in the package), which needs neither tsx nor vite. Without
// dist/, or with FUSEBOX_FROM_SOURCE=1 (development: the sources as they are now, not as last built), it runs
// the TypeScript sources through tsx, a development dependency.
import { existsSync } from 'node:fs';
import process from 'node:process';
import { URL } from 'node:url';

const compiled = new URL('../dist/cli.js', import.meta.url);
if (process.env.FUSEBOX_FROM_SOURCE !== '1' && existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli.ts');
}
