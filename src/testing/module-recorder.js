// Preload for tests that run the CLI as a child process (`node --import ./src/testing/module-recorder.js …`):
// records the URL of every module the process loads and, at exit, writes them one a line to the file named
// by FUSEBOX_MODULES_FILE. Plain JavaScript, so that it loads without tsx (the build test runs dist/ bare).
import { writeFileSync } from 'node:fs';
import { registerHooks } from 'node:module';
import process from 'node:process';

const file = process.env.FUSEBOX_MODULES_FILE;
const loaded = [];

registerHooks({
  load(url, context, nextLoad) {
    loaded.push(url);
    return nextLoad(url, context);
  },
});

process.on('exit', () => {
  if (file) writeFileSync(file, loaded.join('\n') + '\n');
});
