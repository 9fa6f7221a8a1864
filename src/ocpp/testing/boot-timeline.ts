/**
 * What a station saw after its BootNotification was answered: Fusebox's CALLs in order, each with the
 * station's answer and when it went out. The fail-safe-first test and bench/boot-failsafe.ts read it.
 */
import type { SimulatedStation } from '../../sim/devices/ocpp-station.ts';

interface SeenFrame {
  /** performance.now() when the station saw it. */
  readonly atMs: number;
  /** true: sent by the station. */
  readonly outbound: boolean;
  readonly frame: readonly unknown[];
}

export interface BootCall {
  readonly action: string;
  readonly payload: unknown;
  /** The station's answer payload (CALLRESULT) or error code (CALLERROR); undefined until answered. */
  readonly answer: unknown;
  readonly answeredMs: number | undefined;
}

export interface BootTimeline {
  /** When the station received the BootNotification answer (performance.now()). */
  readonly bootAnswerMs: number;
  /** CALLs Fusebox sent after the boot answer, in order. */
  readonly calls: readonly BootCall[];
}

/** Starts recording the station's frames; call before connect(). Returns a reader of the timeline so far. */
export function recordBoot(st: SimulatedStation): () => BootTimeline | undefined {
  const frames: SeenFrame[] = [];
  st.on('message', (e: { message: unknown; outbound: boolean }) => {
    const frame = JSON.parse(String(e.message)) as unknown;
    if (Array.isArray(frame)) frames.push({ atMs: performance.now(), outbound: e.outbound, frame });
  });
  return () => timelineOf(frames);
}

function timelineOf(frames: readonly SeenFrame[]): BootTimeline | undefined {
  const boot = frames.findLast((f) => f.outbound && f.frame[0] === 2 && f.frame[2] === 'BootNotification');
  if (!boot) return undefined;
  const at = frames.findIndex((f) => !f.outbound && f.frame[0] !== 2 && f.frame[1] === boot.frame[1]);
  if (at < 0) return undefined;
  const calls = frames
    .slice(at + 1)
    .filter((f) => !f.outbound && f.frame[0] === 2)
    .map((f) => {
      const answer = frames.find((a) => a.outbound && a.frame[0] !== 2 && a.frame[1] === f.frame[1]);
      return {
        action: String(f.frame[2]),
        payload: f.frame[3],
        answer: answer?.frame[2],
        answeredMs: answer?.atMs,
      };
    });
  return { bootAnswerMs: frames[at]!.atMs, calls };
}

/** The purpose and rate unit of a SetChargingProfile payload (1.6 or 2.x). */
export function profileOf(payload: unknown): { purpose?: string; unit?: string } {
  const p = payload as {
    csChargingProfiles?: { chargingProfilePurpose: string; chargingSchedule: { chargingRateUnit: string } };
    chargingProfile?: { chargingProfilePurpose: string; chargingSchedule: { chargingRateUnit: string }[] };
  };
  return {
    purpose: (p.csChargingProfiles ?? p.chargingProfile)?.chargingProfilePurpose,
    unit:
      p.csChargingProfiles?.chargingSchedule.chargingRateUnit ??
      p.chargingProfile?.chargingSchedule[0]?.chargingRateUnit,
  };
}
