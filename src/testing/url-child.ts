/**
 * Crash tests: a TypeScript script run in a child process (through tsx) that prints `url <url>` once it
 * listens: the child at once (for the test to kill), and the URL when it comes (rejected if it exits first).
 * What the child writes to stdout (its log, with FUSEBOX_TEST_LOG) is kept, the last OUTPUT_KEPT characters,
 * for a failed test to show.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';

const OUTPUT_KEPT = 200_000;

export function spawnUrlChild(
  script: string,
  args: readonly string[],
  what: string,
  env: NodeJS.ProcessEnv = process.env,
): { child: ChildProcess; url: Promise<string>; output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env,
  });
  let output = '';
  let found = false;
  const url = new Promise<string>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`${what} exited early (${code})`)));
    child.stdout.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-OUTPUT_KEPT);
      if (found) return;
      const m = /^url (\S+)$/m.exec(output);
      if (m) {
        found = true;
        child.removeAllListeners('exit');
        resolve(m[1]!);
      }
    });
  });
  return { child, url, output: () => output };
}
