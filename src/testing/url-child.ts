/**
 * Crash tests: a TypeScript script run in a child process (through tsx) that prints `url <url>` once it
 * listens: the child at once (for the test to kill), and the URL when it comes (rejected if it exits first).
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';

export function spawnUrlChild(
  script: string,
  args: readonly string[],
  what: string,
): { child: ChildProcess; url: Promise<string> } {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = new Promise<string>((resolve, reject) => {
    let buffer = '';
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`${what} exited early (${code})`)));
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const m = /^url (\S+)$/m.exec(buffer);
      if (m) {
        child.removeAllListeners('exit');
        resolve(m[1]!);
      }
    });
  });
  return { child, url };
}
