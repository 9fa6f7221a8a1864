/**
 * The composition root's inputs to the control loop (app.ts): the Modbus meters, the EMS map (Modbus server)
 * and MQTT, whose commands are in force together (the lower of each limit, modbus/ems-commands.ts).
 */
import type { Logger } from 'pino';
import type { FuseboxOptions } from './app.ts';
import type { EmsCommands } from './contracts/ems-commands.ts';
import type { ControlLoop } from './control/control-loop.ts';
import { emsSnapshot } from './ems-view.ts';
import {
  EmsServer,
  MeterPoller,
  buildEmsLayout,
  combineEmsCommands,
  emsLayoutInputOf,
  polledMeterOf,
} from './modbus/index.ts';
import { MqttBridge } from './mqtt/mqtt-bridge.ts';
import type { StationGateway } from './contracts/station-gateway.ts';
import type { OcppServer } from './ocpp/ocpp-server.ts';
import type { Store } from './store/store.ts';
import type { Clock } from './clock.ts';

export interface InputParts {
  readonly meters: MeterPoller | null;
  readonly ems: EmsServer | null;
  readonly mqtt: MqttBridge | null;
}

/** What the inputs are wired to; `onStop` is given each part's stop as it starts. */
export interface InputWiring {
  readonly opts: FuseboxOptions;
  readonly control: ControlLoop;
  readonly ocpp: OcppServer;
  /** The OCPP server's ports with drivers' needs (app-control.ts), for the MQTT ports payload. */
  readonly gateway: StationGateway;
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly onStop: (stop: () => Promise<void> | void) => void;
}

/** Starts the meter poller (when the site has meters) feeding the control loop. */
export function startMeters(w: InputWiring): MeterPoller | null {
  const { config } = w.opts.loaded;
  const modbusMeters = config.meters.map((m) =>
    polledMeterOf({ id: m.id, role: m.role, timeoutMs: m.timeoutMs, driver: m.driver }),
  );
  if (modbusMeters.length === 0) return null;
  const { control } = w;
  const poller = new MeterPoller(modbusMeters, {
    logger: w.logger.child({ part: 'modbus' }),
    clock: w.clock,
  });
  poller.on('reading', (reading) => control.onMeterReading(reading));
  poller.on('stale', (id) => control.onMeterStatus(id, true));
  poller.on('fresh', (id) => control.onMeterStatus(id, false));
  poller.start();
  w.onStop(() => poller.stop());
  return poller;
}

/** Starts the EMS server and MQTT when the site file turns them on; their commands go to the control loop. */
export async function startCommandInputs(w: InputWiring): Promise<Omit<InputParts, 'meters'>> {
  const { opts, control, ocpp, logger, clock } = w;
  const { config } = opts.loaded;
  // The EMS map's commands and MQTT's are in force together: the lower of each limit (ems-commands.ts).
  const commandsBy: { ems: EmsCommands | null; mqtt: EmsCommands | null } = { ems: null, mqtt: null };
  const applyCommands = (): void => {
    const commands = combineEmsCommands(commandsBy.ems, commandsBy.mqtt);
    if (commands) control.onEmsCommands(commands);
  };

  let ems: EmsServer | null = null;
  if (config.ems?.enabled) {
    const portsInOrder = opts.loaded.site.ports.map((p) => ({ id: p.id }));
    const server = await EmsServer.start({
      config: opts.ports?.ems !== undefined ? { ...config.ems, port: opts.ports.ems } : config.ems,
      layout: buildEmsLayout(emsLayoutInputOf(config.circuits, portsInOrder)),
      // The site in force (a SIGHUP reload changes its circuits and limits), not the one Fusebox started with.
      snapshot: () => emsSnapshot(control.site(), control.snapshot(), ocpp.ports()),
      logger: logger.child({ part: 'ems' }),
      clock,
    });
    server.on('commands', (commands) => {
      commandsBy.ems = commands;
      applyCommands();
    });
    commandsBy.ems = server.commands();
    applyCommands();
    w.onStop(() => server.close());
    ems = server;
  }

  let mqtt: MqttBridge | null = null;
  if (config.mqtt?.enabled) {
    const bridge = startMqtt(config.mqtt, w, (commands) => {
      commandsBy.mqtt = commands;
      applyCommands();
    });
    w.onStop(() => bridge.close());
    mqtt = bridge;
  }
  return { ems, mqtt };
}

/** Connects to the MQTT broker (docs/integrations.md) in the background; never waits for it. */
function startMqtt(
  mqttConfig: NonNullable<FuseboxOptions['loaded']['config']['mqtt']>,
  w: InputWiring,
  onCommands: (commands: EmsCommands) => void,
): MqttBridge {
  const { opts, control, store } = w;
  return new MqttBridge({
    mqtt: mqttConfig,
    config: opts.loaded.config,
    configDir: opts.configDir,
    live: {
      site: () => control.site(),
      snapshot: () => control.snapshot(),
      onRun: (fn) => control.onRun(fn),
      ports: () => w.gateway.ports(),
      openSessions: () => store.api.records.sessions({ active: true, limit: 10_000, offset: 0 }).items,
      onEvent: (fn) => store.api.records.onEvent(fn),
    },
    onCommands,
    logger: w.logger.child({ part: 'mqtt' }),
    clock: opts.clock,
  });
}
