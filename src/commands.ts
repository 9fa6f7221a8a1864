/** The `fusebox` commands: `start | check | help`, dispatched from argv. */
import { parseArgs } from 'node:util';
import { runCheck } from './config/check.ts';
import { runStart } from './start-command.ts';
import { runProbe } from './modbus/probe.ts';
import { runHashPassword } from './hash-password-command.ts';
import { runSimulate } from './simulate-command.ts';
import { runUser } from './user-command.ts';

const USAGE = `Usage: fusebox <command> [options]

Commands:
  start [--config site.yaml]   run Fusebox (without --config: the embedded demo site)
        [--log-format pretty|json] [--log-level info|debug|warn] [--demo-speed 60]
        [--host 0.0.0.0]       listen address of OCPP, HTTP and EMS (the demo: 127.0.0.1 unless given)
  check <site.yaml>            validate a site configuration and print its circuit tree
  probe modbus://host:port/unit --preset NAME   read a meter once and print what Fusebox understood
  simulate --sessions FILE     replay charging sessions against policies; size a site (simulate --help)
  hash-password                read a station password on stdin, print the passwordHash for the site file
  user add|passwd|remove|list  dashboard/API accounts: user add NAME --role operator --config site.yaml
                               (password on stdin)
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
        options: {
          config: { type: 'string', short: 'c' },
          'log-format': { type: 'string' },
          'log-level': { type: 'string' },
          'demo-speed': { type: 'string' },
          host: { type: 'string' },
        },
      });
      if (values.host !== undefined && values.host.trim() === '') {
        out(
          'fusebox start: --host needs an address, e.g. --host 0.0.0.0 (every interface) or --host 127.0.0.1',
        );
        return 2;
      }
      const format = values['log-format'];
      if (format !== undefined && format !== 'pretty' && format !== 'json') {
        out(`fusebox start: --log-format is 'pretty' or 'json', not '${format}'`);
        return 2;
      }
      const speed = values['demo-speed'] === undefined ? undefined : Number(values['demo-speed']);
      if (speed !== undefined && !(speed > 0 && speed <= 3600)) {
        out(`fusebox start: --demo-speed is a number from 1 to 3600, not '${values['demo-speed']}'`);
        return 2;
      }
      return runStart({
        configPath: values.config,
        out,
        logFormat: format,
        logLevel: values['log-level'],
        demoSpeed: speed,
        host: values.host,
      });
    }
    case 'probe':
      return runProbe(rest, out);
    case 'simulate':
      return runSimulate(rest, out);
    case 'hash-password':
      return runHashPassword(process.stdin, out);
    case 'user':
      return runUser(rest, process.stdin, out);
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
