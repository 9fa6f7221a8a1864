/** `fusebox check <site.yaml>`: validates a site file and prints its circuit tree (config/check.ts). */
import { parseArgs } from 'node:util';
import { runCheck } from '../config/check.ts';

/** Runs the check command with the arguments after its name; returns the exit code. */
export function runCheckCommand(args: string[], out: (line: string) => void): number {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  if (positionals.length !== 1) {
    out('fusebox check: give exactly one site configuration file, e.g. `npx fusebox check site.yaml`');
    return 2;
  }
  return runCheck(positionals[0]!, out);
}
