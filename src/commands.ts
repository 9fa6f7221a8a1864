/** The `fusebox` commands: `start | check | help`, dispatched from argv. */
import { parseArgs } from 'node:util';
import { runCheck } from './config/check.ts';
import { runStart } from './app.ts';
import { runProbe } from './modbus/probe.ts';

const USAGE = `Usage: fusebox <command> [options]

Commands:
  start [--config site.yaml]   run Fusebox (without --config: the embedded demo site)
  check <site.yaml>            validate a site configuration and print its circuit tree
  probe modbus://host:port/unit --preset NAME   read a meter once and print what Fusebox understood
  help                         show this text

Benchmarks: npm run bench -- <name> [--json]`;

/** Runs one CLI invocation and returns the process exit code. */
export async function main(
  argv: readonly string[],
  out: (line: string) => void = console.log,
): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'check': {
      const { positionals } = parseArgs({ args: rest, allowPositionals: true, options: {} });
      if (positionals.length !== 1) {
        out('fusebox check: give exactly one site configuration file, e.g. `npx fusebox check site.yaml`');
        return 2;
      }
      return runCheck(positionals[0]!, out);
    }
    case 'start': {
      const { values } = parseArgs({
        args: rest,
        options: { config: { type: 'string', short: 'c' } },
      });
      return runStart({ configPath: values.config, out });
    }
    case 'probe':
      return runProbe(rest, out);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      out(USAGE);
      return command === undefined ? 2 : 0;
    default:
      out(`fusebox: unknown command '${command}'\n\n${USAGE}`);
      return 2;
  }
}
