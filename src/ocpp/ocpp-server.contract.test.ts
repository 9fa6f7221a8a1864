/**
 * The real OcppServer passes the station gateway contract, with a simulated station over WebSocket on
 * 127.0.0.1 (OCPP 1.6 and 2.0.1).
 */
import type { OcppVersion } from '../contracts/station-gateway.ts';
import type { StationAnswerMode } from '../contracts/testing/station-gateway-contract.ts';
import { stationGatewayContract } from '../contracts/testing/station-gateway-contract.ts';
import { SimulatedStation } from '../sim/devices/ocpp-station.ts';
import { eventually, startHarness } from './testing/ocpp-harness.ts';

const REFUSAL = { accept: undefined, reject: 'Rejected', 'no-answer': 'no-answer' } as const;

for (const version of ['1.6', '2.0.1'] as const satisfies readonly OcppVersion[]) {
  stationGatewayContract(`OcppServer over OCPP ${version}`, async () => {
    const h = await startHarness({
      stations: [{ id: 'CP1', ports: 2, version }],
      circuitLimitA: 40,
      // Short enough for the timeout case, long for a loaded machine.
      settings: { acceptUnknownIdTags: true, callTimeoutMs: 3000 },
    });
    const st = new SimulatedStation({ url: h.url, stationId: 'CP1', version, ports: 2 });
    const connector = (portId: string): number => h.site.ports.find((p) => p.id === portId)!.connectorId;
    return {
      gateway: h.server,
      site: h.site,
      stationId: 'CP1',
      async connect() {
        await st.connect();
      },
      async startSession(portId) {
        await st.plugIn(connector(portId), { maxCurrentA: 32, phases: 3 });
        await st.start(connector(portId), 'TAG1');
        st.startMeterValues(200);
      },
      async stopSession(portId) {
        await st.unplug(connector(portId));
      },
      answer(mode: StationAnswerMode) {
        st.refuseProfiles = REFUSAL[mode];
      },
      async disconnect() {
        await st.close();
      },
      settle: (p) => p,
      until: (predicate, what) => eventually(predicate, what, 20_000),
      async dispose() {
        await st.close();
        await h.dispose();
      },
    };
  });
}
