/**
 * The seam between the relay and the allocator for the charging profiles the cloud sends (docs/proxy.md).
 * The relay never forwards a cloud SetChargingProfile/ClearChargingProfile to the station (it would replace
 * Fusebox's own profiles): it hands them to a CloudProfileSink and answers the cloud with what the sink says.
 */
export type CloudProfileVersion = '1.6' | '2.0.1';
export interface CloudProfileSink {
  /** The cloud's SetChargingProfile for a station (payload unchanged, as the cloud sent it). Returns the status Fusebox answers the cloud with ('Accepted' | 'Rejected'), never forwarded to the station. */
  set(stationId: string, version: CloudProfileVersion, payload: unknown): 'Accepted' | 'Rejected';
  /** The cloud's ClearChargingProfile; returns 'Accepted' | 'Unknown'. */
  clear(stationId: string, version: CloudProfileVersion, payload: unknown): 'Accepted' | 'Unknown';
}

/**
 * The sink in use until the allocator takes cloud profiles as caps (another change): every cloud profile is
 * answered Rejected and every clear Unknown, so the cloud knows its limit is not in force; nothing reaches the
 * station and Fusebox's own limits stay as they are.
 */
export class RejectingCloudProfiles implements CloudProfileSink {
  set(): 'Rejected' {
    return 'Rejected';
  }

  clear(): 'Unknown' {
    return 'Unknown';
  }
}
