/** Typed events of the StationGateway; a throwing listener is logged and never breaks OCPP handling. */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { GatewayEventName, GatewayEvents } from '../contracts/station-gateway.ts';

export class GatewayEmitter {
  private readonly emitter = new EventEmitter();

  constructor(private readonly log: Logger) {
    // Many control-loop parts may listen; the default limit of 10 is for leak detection in small apps.
    this.emitter.setMaxListeners(0);
  }

  on<E extends GatewayEventName>(event: E, listener: (e: GatewayEvents[E]) => void): () => void {
    const safe = (e: GatewayEvents[E]): void => {
      try {
        listener(e);
      } catch (err) {
        this.log.error({ err, event }, 'gateway event listener threw');
      }
    };
    this.emitter.on(event, safe);
    return () => this.emitter.off(event, safe);
  }

  emit<E extends GatewayEventName>(event: E, payload: GatewayEvents[E]): void {
    this.emitter.emit(event, payload);
  }
}
