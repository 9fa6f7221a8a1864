/**
 * The help texts of the `fusebox` commands, in one place, and how an argument error reads. This module imports nothing, so that
 * `fusebox help`, `fusebox --version` and `fusebox <command> --help` answer without loading any command.
 */

/**
 * The message of an error of node:util's parseArgs (an unknown option, a missing value...), which carries a
 * code starting with ERR_PARSE_ARGS; undefined for any other error.
 */
export function argumentError(e: unknown): string | undefined {
  if (!(e instanceof TypeError) || !('code' in e) || !String(e.code).startsWith('ERR_PARSE_ARGS')) return;
  const unknown = /^Unknown option '([^']+)'/.exec(e.message);
  return unknown ? `unknown option '${unknown[1]}'` : e.message;
}

/** The log levels `--log-level` accepts (pino's). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const START_USAGE = `Usage: fusebox start [--config site.yaml] [options]

Runs Fusebox until Ctrl+C (SIGINT) or SIGTERM: the OCPP server for the stations, the meters, the control
loop, the dashboard and API, and the EMS Modbus server. Without --config it runs the embedded demo site
(examples/demo.yaml): simulated stations, meters and cars, listening on 127.0.0.1 only.

Options:
  -c, --config FILE          the site file (docs/configuration.md); without it: the demo
  --host ADDR                address the OCPP, HTTP and EMS listeners bind to, instead of the site file's
                             host (the demo: 127.0.0.1 unless given; 0.0.0.0: every interface)
  --log-format pretty|json   pretty for a terminal, json (one object a line) for log collectors
                             (default: pretty on a terminal, else json)
  --log-level LEVEL          ${LOG_LEVELS.join(', ')} (default info)
  --demo-speed N             the demo's building and PV profiles run N times faster than the clock
                             (1 to 3600, default 60)
  -h, --help                 show this text

Exit codes: 0 stopped, 1 could not start (e.g. a port in use), 2 bad arguments or site file.

Examples:
  npx fusebox start
  npx fusebox start --config site.yaml --log-format json
  npx fusebox start --host 0.0.0.0`;

export const CHECK_USAGE = `Usage: fusebox check <site.yaml>

Validates a site file (and the files it names: TLS certificates, register maps) and prints a one-screen
summary of its circuit tree, or every problem as \`file:line:column  path  message\`.

Options:
  -h, --help                 show this text

Exit codes: 0 the file is good (warnings may be printed), 2 it has errors or cannot be read.

Examples:
  npx fusebox check site.yaml
  npx fusebox check examples/demo.yaml`;

/** `probe`'s help names the meter presets, which the caller passes in (they live in src/modbus/presets). */
export function probeUsage(presetNames: readonly string[]): string {
  return `Usage: fusebox probe modbus://host[:port][/unit] --preset NAME [--role load|pv|battery] [--timeout ms]

Reads a Modbus TCP meter, inverter or battery once and prints what Fusebox understood.
Port defaults to 502, unit to 1. Signs: positive = import from the grid / consumption.

Options:
  --preset NAME              ${presetNames.join(', ')}
  --role load|pv|battery     what the device measures (default load)
  --timeout MS               request timeout in milliseconds (default 3000)
  -h, --help                 show this text

Exit codes: 0 read, 1 the device did not answer, 2 bad arguments.

Examples:
  npx fusebox probe modbus://192.168.1.20:502/1 --preset sdm630
  npx fusebox probe modbus://192.168.1.21/1 --preset sunspec --role pv`;
}

export const SIMULATE_USAGE = `Usage: fusebox simulate --sessions FILE [options]

Replays charging sessions against Fusebox and the textbook policies on a network model (docs/simulate.md).

  --sessions FILE          session data (ACN-Data, ACN-Sim, Norway, Dundee, Perth & Kinross, Fusebox export,
                           generic CSV; the format is detected from the content)
  --site site.yaml         the site's circuit tree (default: every station on one circuit, the aggregate model)
  --network MODEL          aggregate | caltech | caltech-linear (Caltech ACN, exact three-phase or linearized)
  --assign-ports MODE      as-in-data: each car on its station's port (default, when the network has every
                           station of the data); free: each car on a free port of the network (the one idle
                           longest), turned away when none is free (for data from another site)
  --capacity-kw N          grid capacity in kW (scales the site's service and transformer with --site)
  --sweep-capacity A:B:S   capacities A, A+S, … B kW
  --size-for PCT           smallest capacity meeting at least PCT % of the energy demand
  --policy P[,P...]        fusebox, uncontrolled, fcfs, round-robin, edf, llf, offline (default fusebox)
  --step 5m                time step: 5m (default), 1m, or e.g. 30s, 15m
  --voltage V              EVSE voltage of the aggregate model (default 208)
  --evse-max-a A           EVSE pilot maximum of the aggregate and Caltech models (default 32)
  --ev-max-kw KW           car max power where the data has none (default: the EVSE's)
  --taper SOC              two-stage battery: full power up to this state of charge (0-1), then linear to 0
  --car-battery-kwh KWH    car battery size of the taper model (default 60; at least the session's demand)
  --battery-kwh KWH        add a site battery at the grid connection of KWH usable energy (with --battery-kw)
  --battery-kw KW          the site battery's charge and discharge power
  --battery-reserve-pct P  never discharged below P % state of charge (default 10)
  --battery-efficiency X   round-trip efficiency, 0-1 (default 0.9)
  --battery-soc-pct P      state of charge at the start (default 50)
  --tariff FILE            acnportal tariff JSON (e.g. SCE TOU-EV-4): energy cost and monthly demand charge
  --objective energy|cost  energy (default): deliver the most energy; cost: fusebox runs the planner (MPC)
                           and offline its LP, least energy cost + demand charge after the most energy
  --time-zone ZONE         the site's IANA zone for the tariff, profiles and demand windows
                           (default: the site file's, else the data's, else UTC)
  --building FILE          building load: NREL hourly CSV, or the BDEW shapes file with --bdew
  --building-scale X       multiply the building load (default 1)
  --bdew PROFILE:KWH       read --building as BDEW shapes, profile (h0, g0…g6, l0…l2) scaled to KWH a year
  --pv FILE                PV production: NREL SAM CSV (DC kW)
  --pv-scale X             multiply the PV power (default 1), e.g. 50/219.586 for a 50 kWdc array
  --report DIR             write report.md and SVG charts to DIR
  --json                   quiet; the last stdout line is {"runs":[...]}
  -h, --help               show this text

Exit codes: 0 done, 2 bad arguments or input files.

Examples:
  npx fusebox simulate --sessions sessions.csv --capacity-kw 40 --policy fusebox,llf
  npx fusebox simulate --sessions sessions.csv --site site.yaml --size-for 99`;

export const HASH_PASSWORD_USAGE = `Usage: fusebox hash-password   (the password on standard input)

Reads a station password from standard input (one line) and prints its scrypt hash, the \`passwordHash\`
to put in the site file. The password never appears on the command line. OCPP asks for 16 to 40 characters.

Options:
  -h, --help                 show this text

Exit codes: 0 printed, 2 no password given.

Example:
  read -rs PW && printf %s "$PW" | npx fusebox hash-password`;

export const USER_USAGE = `Usage:
  fusebox user add NAME [--role viewer|operator] [--config site.yaml | --store file.db]   (password on stdin)
  fusebox user passwd NAME [--config site.yaml | --store file.db]                         (password on stdin)
  fusebox user remove NAME [--config site.yaml | --store file.db]
  fusebox user list [--config site.yaml | --store file.db]

Manages the dashboard and API accounts in the store of a site file, or of a store file.

Options:
  --role viewer|operator     the account's role (default viewer)
  -c, --config FILE          the site file whose store holds the accounts
  --store FILE               the store file itself (default data/fusebox.db)
  -h, --help                 show this text

Exit codes: 0 done, 2 bad arguments or input (e.g. no such user).

Examples:
  read -rs PW && printf %s "$PW" | npx fusebox user add alice --role operator --config site.yaml
  npx fusebox user list --config site.yaml`;
