// Preload for tests that run the CLI as a child process (`node --import ./src/testing/module-recorder.js …`):
// records the URL of every module the process (and each of its worker threads) loads and, at exit, appends
// them one a line to the file named by FUSEBOX_MODULES_FILE. Plain
// JavaScript, so that it loads without tsx (src/build.test.ts runs the compiled dist/ with plain Node).
import { appendFileSync } from 'node:fs';
import * as nodeModule from 'node:module';
import process from 'node:process';

const file = process.env.FUSEBOX_MODULES_FILE;
const loaded = [];

// module.registerHooks: Node.js 22.15+ (engines allows 22.13): say so rather than fail obscurely.
if (typeof nodeModule.registerHooks !== 'function') {
  throw new Error(
    `module-recorder.js needs module.registerHooks (Node.js 22.15 or later), not Node.js ${process.version}`,
  );
}
nodeModule.registerHooks({
  load(url, context, nextLoad) {
    loaded.push(url);
    return nextLoad(url, context);
  },
});

process.on('exit', () => {
  if (file) appendFileSync(file, loaded.join('\n') + '\n');
});
