/** Station commands (OCPP remote start/stop, reset, availability) through the API. */
import { api } from './api.ts';
import { msg } from './i18n.ts';

export type StationCommand =
  | { command: 'remoteStart'; portId: string; idTag?: string }
  | { command: 'remoteStop'; portId: string }
  | { command: 'reset'; type: 'soft' | 'hard' }
  | { command: 'availability'; portId?: string; available: boolean };

/** Sends one command; resolves with a sentence naming the station's answer. */
export async function sendCommand(stationId: string, cmd: StationCommand): Promise<string> {
  const r = await api<{ status: string }>(`/stations/${encodeURIComponent(stationId)}/commands`, {
    method: 'POST',
    body: cmd,
  });
  return msg().stationAnswered(stationId, r.status);
}
