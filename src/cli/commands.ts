/**
 * The `fusebox` commands, dispatched from argv. Each command is a module of this folder (start.ts, check.ts,
 * probe.ts, user.ts, hash-password.ts, simulate.ts), imported only when that command
 * runs, so `fusebox help`, `--version` and `<command> --help` load nothing but this file and the help texts.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  CHECK_USAGE,
  HASH_PASSWORD_USAGE,
  LOG_LEVELS,
  SIMULATE_USAGE,
  START_USAGE,
  USER_USAGE,
  argumentError,
  probeUsage,
} from './usage.ts';

type Out = (line: string) => void;

interface Command {
  /** The lines of the overview (`fusebox help`), the first starting with the command's name. */
  readonly overview: string;
  readonly usage: () => string | Promise<string>;
  /** Runs the command with the arguments after its name; returns the exit code. */
  readonly run: (args: string[], out: Out, err: Out) => Promise<number>;
}

const COMMANDS: ReadonlyMap<string, Command> = new Map<string, Command>([
  [
    'start',
    {
      overview: `start [--config site.yaml]   run Fusebox (without --config: the embedded demo site)
        [--log-format pretty|json] [--log-level info|debug|warn] [--demo-speed 60]
        [--host 0.0.0.0]       listen address of OCPP, HTTP and EMS (the demo: 127.0.0.1 unless given)`,
      usage: () => START_USAGE,
      run: runStartArgs,
    },
  ],
  [
    'check',
    {
      overview: 'check <site.yaml>            validate a site configuration and print its circuit tree',
      usage: () => CHECK_USAGE,
      run: async (args, out) => (await import('./check.ts')).runCheckCommand(args, out),
    },
  ],
  [
    'probe',
    {
      overview:
        'probe modbus://host:port/unit --preset NAME   read a meter once and print what Fusebox understood',
      usage: async () => probeUsage((await import('../modbus/presets/index.ts')).PRESET_NAMES),
      run: async (args, out) => (await import('./probe.ts')).runProbe(args, out),
    },
  ],
  [
    'simulate',
    {
      overview: 'simulate --sessions FILE     replay charging sessions against policies; size a site',
      usage: () => SIMULATE_USAGE,
      run: async (args, out, err) => (await import('./simulate.ts')).runSimulate(args, out, err),
    },
  ],
  [
    'hash-password',
    {
      overview:
        'hash-password                read a station password on stdin, print the passwordHash for the site file',
      usage: () => HASH_PASSWORD_USAGE,
      run: async (args, out) => {
        parseArgs({ args, options: {} });
        return (await import('./hash-password.ts')).runHashPassword(process.stdin, out);
      },
    },
  ],
  [
    'user',
    {
      overview: `user add|passwd|remove|list  dashboard/API accounts: user add NAME --role operator --config site.yaml
                               (password on stdin)`,
      usage: () => USER_USAGE,
      run: async (args, out) => (await import('./user.ts')).runUser(args, process.stdin, out),
    },
  ],
]);

const USAGE = `Usage: fusebox <command> [options]

Commands:
${[...COMMANDS.values()].map((c) => `  ${c.overview}`).join('\n')}
  help [command]               show this text, or a command's
  --version                    print Fusebox's version

\`fusebox <command> --help\` shows a command's options and examples.
Benchmarks: npm run bench -- <name> [--json]`;

/** Fusebox's version, from package.json (beside src/ and dist/ alike). */
function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** Whether `args` ask for help (`--help` or `-h` before any `--`). */
function asksForHelp(args: readonly string[]): boolean {
  for (const a of args) {
    if (a === '--') return false;
    if (a === '--help' || a === '-h') return true;
  }
  return false;
}

function unknownCommand(command: string, err: Out): number {
  err(`fusebox: unknown command '${command}'; the commands are ${[...COMMANDS.keys()].join(', ')}`);
  err('Run `npx fusebox help` for the usage.');
  return 2;
}

/** Runs one CLI invocation and returns the process exit code. */
export async function main(
  argv: readonly string[],
  out: Out = console.log,
  err: Out = console.error,
): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
      out(USAGE);
      return 2;
    case 'help':
    case '--help':
    case '-h': {
      const topic = rest[0];
      if (topic === undefined) {
        out(USAGE);
        return 0;
      }
      const c = COMMANDS.get(topic);
      if (!c) return unknownCommand(topic, err);
      out(await c.usage());
      return 0;
    }
    case 'version':
    case '--version':
    case '-v':
      out(version());
      return 0;
  }
  const c = COMMANDS.get(command);
  if (!c) return unknownCommand(command, err);
  if (asksForHelp(rest)) {
    out(await c.usage());
    return 0;
  }
  try {
    return await c.run(rest, out, err);
  } catch (e) {
    const message = argumentError(e);
    if (message === undefined) throw e;
    err(`fusebox ${command}: ${message}`);
    err(`Run \`npx fusebox ${command} --help\` for its options.`);
    return 2;
  }
}

async function runStartArgs(args: string[], out: Out): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string', short: 'c' },
      'log-format': { type: 'string' },
      'log-level': { type: 'string' },
      'demo-speed': { type: 'string' },
      host: { type: 'string' },
    },
  });
  if (values.host !== undefined && values.host.trim() === '') {
    out('fusebox start: --host needs an address, e.g. --host 0.0.0.0 (every interface) or --host 127.0.0.1');
    return 2;
  }
  const format = values['log-format'];
  if (format !== undefined && format !== 'pretty' && format !== 'json') {
    out(`fusebox start: --log-format is 'pretty' or 'json', not '${format}'`);
    return 2;
  }
  const level = values['log-level'];
  if (level !== undefined && !(LOG_LEVELS as readonly string[]).includes(level)) {
    out(`fusebox start: --log-level is one of ${LOG_LEVELS.join(', ')}, not '${level}'`);
    return 2;
  }
  const speed = values['demo-speed'] === undefined ? undefined : Number(values['demo-speed']);
  if (speed !== undefined && !(speed > 0 && speed <= 3600)) {
    out(`fusebox start: --demo-speed is a number from 1 to 3600, not '${values['demo-speed']}'`);
    return 2;
  }
  // Before the app allocates anything (src/v8-heap.ts): only for a process that runs Fusebox.
  const v8 = await import('../v8-heap.ts');
  const tuned = v8.tuneHeap();
  if ('error' in tuned) out(`fusebox start: ${tuned.error}; V8's own heap settings are used`);
  const helpers = v8.lowerV8Helpers();
  if ('error' in helpers) out(`fusebox start: ${helpers.error}; V8's helper threads keep their priority`);
  const { runStart } = await import('./start.ts');
  return runStart({
    configPath: values.config,
    out,
    logFormat: format,
    logLevel: level,
    demoSpeed: speed,
    host: values.host,
  });
}
