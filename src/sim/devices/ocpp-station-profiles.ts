/**
 * Charging profiles as a simulated station keeps and applies them (OCPP 1.6 §3.13, 2.0.1 K): per purpose the
 * valid profile with the highest stack level wins; a TxProfile of the running transaction overrides the
 * TxDefaultProfile; the station maximum caps both. Without any profile the port runs at its own maximum.
 */
import type { ScheduledProfile } from '../../ocpp/charging-profile.ts';
import { periodAt } from '../../ocpp/charging-profile.ts';

export type SimProfilePurpose =
  | 'ChargePointMaxProfile'
  | 'ChargingStationMaxProfile'
  | 'ChargingStationExternalConstraints'
  | 'TxDefaultProfile'
  | 'TxProfile';

export interface SimProfile extends ScheduledProfile {
  readonly id: number;
  readonly purpose: SimProfilePurpose;
  readonly stackLevel: number;
  /** 0: the whole station. */
  readonly connectorId: number;
  readonly transactionId?: string | undefined;
}

export interface LimitContext {
  readonly nowMs: number;
  readonly connectorId: number;
  /** The running transaction on the connector, if any. */
  readonly transactionId?: string | undefined;
  readonly transactionStartMs?: number | undefined;
  readonly voltageV: number;
  /** Conductors the car draws on, to turn a W limit into A per phase. */
  readonly phasesInUse: number;
}

const isMax = (p: SimProfilePurpose): boolean =>
  p === 'ChargePointMaxProfile' ||
  p === 'ChargingStationMaxProfile' ||
  p === 'ChargingStationExternalConstraints';

/** The limit a profile sets at an instant, in A per phase; undefined when not in force then. */
function limitAt(p: SimProfile, ctx: LimitContext): number | undefined {
  const current = periodAt(p, ctx.nowMs, ctx.transactionStartMs);
  if (!current) return undefined;
  if (p.unit === 'A') return current.limit;
  const phases = Math.max(1, Math.min(ctx.phasesInUse, current.numberPhases ?? 3));
  return current.limit / (ctx.voltageV * phases);
}

export class SimProfileStore {
  private profiles: SimProfile[] = [];

  /** Install a profile; a TxProfile needs the running transaction (1.6 §5.16.3, 2.0.1 K01.FR.09). */
  set(profile: SimProfile, activeTransactionId: string | undefined): 'Accepted' | 'Rejected' {
    if (profile.purpose === 'TxProfile') {
      if (activeTransactionId === undefined) return 'Rejected';
      if (profile.transactionId !== undefined && profile.transactionId !== activeTransactionId)
        return 'Rejected';
    }
    // Same id, or same purpose and stack level on the same connector: the new one replaces it.
    this.profiles = this.profiles.filter(
      (p) =>
        p.id !== profile.id &&
        !(
          p.purpose === profile.purpose &&
          p.stackLevel === profile.stackLevel &&
          p.connectorId === profile.connectorId
        ),
    );
    this.profiles.push({
      ...profile,
      transactionId:
        profile.transactionId ?? (profile.purpose === 'TxProfile' ? activeTransactionId : undefined),
    });
    return 'Accepted';
  }

  clear(criteria: {
    id?: number;
    connectorId?: number;
    purpose?: SimProfilePurpose;
    stackLevel?: number;
  }): 'Accepted' | 'Unknown' {
    const before = this.profiles.length;
    this.profiles = this.profiles.filter(
      (p) =>
        !(
          (criteria.id === undefined || p.id === criteria.id) &&
          (criteria.connectorId === undefined || p.connectorId === criteria.connectorId) &&
          (criteria.purpose === undefined || p.purpose === criteria.purpose) &&
          (criteria.stackLevel === undefined || p.stackLevel === criteria.stackLevel)
        ),
    );
    return this.profiles.length < before ? 'Accepted' : 'Unknown';
  }

  /** TxProfiles end with their transaction (1.6 §3.13.3). */
  endTransaction(connectorId: number): void {
    this.profiles = this.profiles.filter(
      (p) => !(p.purpose === 'TxProfile' && p.connectorId === connectorId),
    );
  }

  all(connectorId?: number): readonly SimProfile[] {
    return connectorId === undefined
      ? this.profiles
      : this.profiles.filter((p) => p.connectorId === connectorId);
  }

  /** The composite limit in A per phase at an instant; undefined when no profile applies. */
  limitA(ctx: LimitContext): number | undefined {
    const best = (
      purpose: (p: SimProfilePurpose) => boolean,
      connectors: readonly number[],
    ): number | undefined => {
      let chosen: { level: number; limit: number } | undefined;
      for (const p of this.profiles) {
        if (!purpose(p.purpose) || !connectors.includes(p.connectorId)) continue;
        if (
          p.purpose === 'TxProfile' &&
          (ctx.transactionId === undefined || p.transactionId !== ctx.transactionId)
        )
          continue;
        const limit = limitAt(p, ctx);
        if (limit === undefined) continue;
        // Connector-specific beats station-wide at the same level; higher stack level beats both.
        const level = p.stackLevel * 2 + (p.connectorId === ctx.connectorId ? 1 : 0);
        if (!chosen || level > chosen.level) chosen = { level, limit };
      }
      return chosen?.limit;
    };
    const tx =
      ctx.transactionId !== undefined ? best((p) => p === 'TxProfile', [ctx.connectorId]) : undefined;
    const txOrDefault = tx ?? best((p) => p === 'TxDefaultProfile', [ctx.connectorId, 0]);
    const max = best(isMax, [0, ctx.connectorId]);
    if (txOrDefault === undefined) return max;
    return max === undefined ? txOrDefault : Math.min(txOrDefault, max);
  }
}
