/** The fields of a workload session the simulator reads (structurally the importer's SimSession). */
export interface SimSessionLike {
  readonly id: string;
  readonly stationId: string;
  readonly arrivalMs: number;
  readonly departureMs: number;
  readonly energyKwh: number;
  readonly maxPowerKw?: number | undefined;
  readonly estimatedDepartureMs?: number | undefined;
}
