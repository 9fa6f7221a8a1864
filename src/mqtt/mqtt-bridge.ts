/**
 * Fusebox on an MQTT broker (docs/integrations.md): publishes the site, circuits, ports, sessions and events
 * under a prefix (state topics retained, change-driven, at most once per `minIntervalMs`), an availability
 * topic with a last will, Home Assistant discovery, and takes lower-only limits on command topics with the
 * watchdog rule of the Modbus EMS map. Never blocks the start: the broker may come later, and it reconnects.
 */
import { readFileSync } from 'node:fs';
import type { IClientOptions, MqttClient } from 'mqtt';
import { connect } from 'mqtt';
import type { Logger } from 'pino';
import type { SessionItem, EventItem } from '../contracts/api-store.ts';
import { eventView } from '../api/views/event-view.ts';
import type { Clock } from '../clock.ts';
import { systemClock } from '../clock.ts';
import type { SiteConfig } from '../config/schema.ts';
import type { ControlSnapshot } from '../control/control-snapshot.ts';
import type { CompiledSite } from '../core/compiled-site.ts';
import type { EmsCommands } from '../contracts/ems-commands.ts';
import type { PortSnapshot } from '../contracts/station-gateway.ts';
import type { CommandTarget } from './mqtt-commands.ts';
import { MqttCommandError, MqttCommandState } from './mqtt-commands.ts';
import type { MqttConfig } from './mqtt-config.ts';
import { displayUrl, readMqttCa } from './mqtt-config.ts';
import { discoveryMessages } from './mqtt-discovery.ts';
import { commandsPayload, statePayloads } from './mqtt-payloads.ts';

/** What the bridge reads from the running Fusebox (src/app.ts wires it). */
export interface MqttLiveSource {
  /** The site in force. */
  site(): CompiledSite;
  snapshot(): ControlSnapshot | null;
  onRun(fn: (s: ControlSnapshot) => void): void;
  ports(): readonly PortSnapshot[];
  openSessions(): readonly SessionItem[];
  /** Every event recorded from now on; returns the unsubscribe function. */
  onEvent(fn: (e: EventItem) => void): () => void;
}

export interface MqttBridgeOptions {
  readonly mqtt: MqttConfig;
  readonly config: SiteConfig;
  /** Directory of the site file: `tls.caFile` is relative to it. */
  readonly configDir: string;
  readonly live: MqttLiveSource;
  /** The MQTT commands in force changed (a command, a lift, or a watchdog timeout). */
  readonly onCommands: (commands: EmsCommands) => void;
  readonly logger: Logger;
  readonly clock?: Clock | undefined;
}

const VERSION = (() => {
  try {
    return (
      JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
    ).version;
  } catch {
    return 'unknown';
  }
})();

/** The wildcards a topic name cannot hold are written %XX in an id's topic level ('/' stays a level separator). */
export function topicSegment(id: string): string {
  return id.replace(/[%+#]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

const COMMAND_SUFFIX = '/limit/set';

export class MqttBridge {
  private readonly client: MqttClient;
  private readonly clock: Clock;
  private readonly prefix: string;
  private readonly commands: MqttCommandState;
  /** Topic → payload last published (state topics), for change detection; cleared on each (re)connect. */
  private readonly lastSent = new Map<string, string>();
  private lastFlushMs = -Infinity;
  private flushTimer: unknown = null;
  private watchdogTimer: unknown = null;
  private lastCommands = '';
  private lastExpired = false;
  private closed = false;
  private connectErrors = 0;
  /** Connected since the last 'connect' event (for logging a lost connection once). */
  private connected = false;
  private readonly unsubscribeEvents: () => void;

  constructor(private readonly options: MqttBridgeOptions) {
    const { mqtt, logger } = options;
    this.clock = options.clock ?? systemClock;
    this.prefix = mqtt.prefix;
    this.commands = new MqttCommandState(mqtt.watchdogS * 1000, () => this.targets());
    const clientOptions: IClientOptions = {
      clientId: mqtt.clientId ?? `fusebox-${mqtt.prefix.replace(/[^A-Za-z0-9_-]/g, '_')}`,
      clean: true,
      reconnectPeriod: 5000,
      connectTimeout: 10_000,
      // Nothing is queued while the broker is away: state is published again in full on reconnect.
      queueQoSZero: false,
      will: { topic: `${this.prefix}/status`, payload: Buffer.from('offline'), qos: 1, retain: true },
      ...(mqtt.username !== undefined ? { username: mqtt.username } : {}),
      ...(mqtt.password !== undefined ? { password: mqtt.password } : {}),
    };
    if (mqtt.tls) {
      clientOptions.rejectUnauthorized = mqtt.tls.rejectUnauthorized;
      if (mqtt.tls.caFile !== undefined) {
        const ca = readMqttCa(mqtt.tls.caFile, options.configDir);
        if (!ca.ok) throw new Error(`mqtt.tls.caFile: ${ca.message}`);
        clientOptions.ca = ca.ca;
      }
    }
    this.client = connect(mqtt.url, clientOptions);
    this.client.on('connect', () => this.onConnect());
    this.client.on('error', (err) => {
      // The client retries by itself; the first failure is worth a warning, the repeats are not.
      this.connectErrors++;
      logger[this.connectErrors === 1 ? 'warn' : 'debug'](
        { err, url: displayUrl(mqtt.url) },
        'MQTT broker: connection failed (retrying every 5 s)',
      );
    });
    this.client.on('close', () => {
      // Once per lost connection; a connection attempt that fails is reported by 'error' above.
      if (this.connected && !this.closed)
        logger.warn({ url: displayUrl(mqtt.url) }, 'MQTT broker: disconnected (retrying every 5 s)');
      this.connected = false;
    });
    this.client.on('message', (topic, payload, packet) => this.onMessage(topic, payload, packet.retain));
    options.live.onRun(() => this.schedule());
    this.unsubscribeEvents = options.live.onEvent((e) => this.onEvent(e));
    logger.info(
      { url: displayUrl(mqtt.url), prefix: this.prefix, commands: mqtt.commands },
      'MQTT: connecting to the broker',
    );
  }

  /** The MQTT commands in force now. */
  commandsInForce(): EmsCommands {
    return this.commands.inForce(this.clock.monotonicMs());
  }

  /** Publishes `offline` (retained) and disconnects; never waits more than a few seconds for the broker. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.clock.clearTimeout(this.flushTimer);
    this.clock.clearTimeout(this.watchdogTimer);
    this.unsubscribeEvents();
    if (this.client.connected) {
      await Promise.race([
        this.client
          .publishAsync(`${this.prefix}/status`, 'offline', { qos: 1, retain: true })
          .catch(() => {}),
        new Promise((r) => this.clock.setTimeout(() => r(undefined), 3000)),
      ]);
    }
    await Promise.race([
      this.client.endAsync(),
      new Promise((r) => this.clock.setTimeout(() => r(undefined), 3000)).then(() => this.client.end(true)),
    ]);
  }

  private targets(): { circuits: Map<string, number>; ports: Map<string, number> } {
    const cs = this.options.live.site();
    return {
      circuits: new Map(cs.circuits.map((c) => [c.id, c.limitA])),
      ports: new Map(cs.ports.map((p) => [p.id, Math.round(p.maxCurrentA * 100) / 100])),
    };
  }

  /** The numbers of topic levels the site's port ids take. */
  private portDepths(): number[] {
    const depths = new Set(this.options.live.site().ports.map((p) => topicSegment(p.id).split('/').length));
    return [...depths].sort((a, b) => a - b);
  }

  private onConnect(): void {
    const { mqtt, logger, config } = this.options;
    logger.info({ url: displayUrl(mqtt.url), prefix: this.prefix }, 'MQTT broker: connected');
    this.connectErrors = 0;
    this.connected = true;
    this.lastSent.clear();
    this.send('status', 'online', true);
    if (mqtt.discovery) {
      const cs = this.options.live.site();
      const messages = discoveryMessages({
        site: cs,
        siteName: config.site.name,
        circuitNames: new Map(config.circuits.map((c) => [c.id, c.name ?? c.id])),
        stationNames: new Map(config.stations.map((s) => [s.id, s.name ?? s.id])),
        prefix: this.prefix,
        discoveryPrefix: mqtt.discoveryPrefix,
        version: VERSION,
        segment: topicSegment,
      });
      for (const [topic, payload] of messages) this.publishRaw(topic, JSON.stringify(payload), true);
    }
    if (mqtt.commands) {
      this.client.subscribe(
        [
          `${this.prefix}/circuit/+${COMMAND_SUFFIX}`,
          // Port ids may hold '/' (st-1/1): one filter per depth, never port/# (Fusebox's own state topics).
          ...this.portDepths().map((d) => `${this.prefix}/port/${'+/'.repeat(d - 1)}+${COMMAND_SUFFIX}`),
          `${this.prefix}/command/keepalive`,
        ],
        { qos: 1 },
        (err) => {
          if (err) logger.error({ err }, 'MQTT: cannot subscribe to the command topics');
        },
      );
    }
    this.publishCommands(true);
    this.flush();
  }

  /** A state change: publish now, or when the minimum interval since the last publication is over. */
  private schedule(): void {
    if (this.closed || this.flushTimer !== null) return;
    const waitMs = this.lastFlushMs + this.options.mqtt.minIntervalMs - this.clock.nowMs();
    if (waitMs <= 0) {
      this.flush();
      return;
    }
    this.flushTimer = this.clock.setTimeout(() => {
      this.flushTimer = null;
      this.flush();
    }, waitMs);
  }

  /** Publishes every state topic whose payload changed since it was last published. */
  private flush(): void {
    if (this.closed || !this.client.connected) return;
    this.lastFlushMs = this.clock.nowMs();
    const live = this.options.live;
    let payloads: Map<string, unknown>;
    try {
      payloads = statePayloads(
        {
          site: live.site(),
          siteName: this.options.config.site.name,
          circuitNames: new Map(this.options.config.circuits.map((c) => [c.id, c.name ?? c.id])),
          snapshot: live.snapshot(),
          ports: live.ports(),
          openSessions: live.openSessions(),
          nowMs: this.clock.nowMs(),
        },
        topicSegment,
      );
    } catch (err) {
      this.options.logger.error({ err }, 'MQTT: cannot build the state payloads');
      return;
    }
    for (const [topic, payload] of payloads) this.send(topic, JSON.stringify(payload), true);
  }

  /** Publishes a state topic under the prefix if its payload changed. */
  private send(topic: string, payload: string, retain: boolean): void {
    if (this.lastSent.get(topic) === payload) return;
    this.lastSent.set(topic, payload);
    this.publishRaw(`${this.prefix}/${topic}`, payload, retain);
  }

  private publishRaw(topic: string, payload: string, retain: boolean): void {
    if (!this.client.connected) return;
    this.client.publish(topic, payload, { qos: 1, retain }, (err) => {
      if (err && !this.closed) this.options.logger.debug({ err, topic }, 'MQTT: publish failed');
    });
  }

  private onEvent(e: EventItem): void {
    if (this.closed) return;
    if (this.client.connected) this.publishRaw(`${this.prefix}/event`, JSON.stringify(eventView(e)), false);
    if (e.kind.startsWith('session-')) this.schedule();
  }

  private onMessage(topic: string, payload: Buffer, retained: boolean): void {
    if (this.closed) return;
    // A command is a few bytes: a huge payload is refused on its first kilobyte, never decoded whole.
    const text =
      payload.length > 1024 ? `${payload.subarray(0, 1024).toString('utf8')}…` : payload.toString('utf8');
    try {
      if (topic === `${this.prefix}/command/keepalive`) {
        if (retained)
          throw new MqttCommandError('a retained command is ignored: publish commands without retain');
        this.commands.keepalive(this.clock.monotonicMs());
        this.publishCommands(false);
        return;
      }
      const target = this.commandTarget(topic);
      if (!target) return; // a state topic under port/# (Fusebox's own)
      if (retained) {
        if (text === '') return; // clearing a retained message
        throw new MqttCommandError(
          'a retained command is ignored (it would outlive its sender): publish commands without retain, and clear this one with an empty retained message',
        );
      }
      this.commands.write(target.kind, target.id, text, this.clock.monotonicMs());
      this.options.logger.info({ topic, payload: text }, 'MQTT command taken');
      this.publishCommands(false);
    } catch (err) {
      const message = err instanceof MqttCommandError ? err.message : `internal error: ${String(err)}`;
      this.options.logger.warn(
        { topic, payload: text.slice(0, 200), error: message },
        'MQTT command refused',
      );
      this.publishRaw(
        `${this.prefix}/error`,
        JSON.stringify({
          topic,
          payload: text.slice(0, 200),
          error: message,
          at: new Date(this.clock.nowMs()).toISOString(),
        }),
        false,
      );
    }
  }

  /** The circuit or port a command topic addresses; null for a topic that is not a command. */
  private commandTarget(topic: string): { kind: CommandTarget; id: string } | null {
    if (!topic.endsWith(COMMAND_SUFFIX)) return null;
    for (const kind of ['circuit', 'port'] as const) {
      const head = `${this.prefix}/${kind}/`;
      if (topic.startsWith(head)) {
        const segment = topic.slice(head.length, -COMMAND_SUFFIX.length);
        return { kind, id: decodeSegment(segment) };
      }
    }
    return null;
  }

  /** Hands changed commands to Fusebox, publishes them, and arms the watchdog for the next expiry. */
  private publishCommands(force: boolean): void {
    const nowMs = this.clock.monotonicMs();
    const c = this.commands.inForce(nowMs);
    const text = JSON.stringify(commandsPayload(c, this.options.mqtt.watchdogS, this.options.mqtt.commands));
    if (text !== this.lastCommands) {
      if (c.watchdogExpired && !this.lastExpired)
        this.options.logger.warn('MQTT command watchdog expired: the command reverted');
      this.lastExpired = c.watchdogExpired;
      this.lastCommands = text;
      try {
        this.options.onCommands(c);
      } catch (err) {
        this.options.logger.error({ err }, 'MQTT commands listener failed');
      }
      this.send('commands', text, true);
    } else if (force) {
      this.send('commands', text, true);
    }
    this.clock.clearTimeout(this.watchdogTimer);
    const next = this.commands.nextExpiryMs(nowMs);
    if (next !== null)
      this.watchdogTimer = this.clock.setTimeout(() => this.publishCommands(false), next - nowMs);
  }
}

function decodeSegment(segment: string): string {
  return segment.replace(/%([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}
