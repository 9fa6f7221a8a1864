/** Messages between the main thread and the store's writer thread. */
import type { WriteOpName } from './write-ops.ts';

export interface WriteItem {
  readonly id: number;
  readonly op: WriteOpName;
  readonly args: unknown;
}

export type WorkerRequest = { readonly batch: readonly WriteItem[] } | { readonly close: true };

export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly code?: string | undefined;
}

export type WriteReply =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: SerializedError };

export interface WorkerReply {
  readonly results: readonly WriteReply[];
}

export function serializeError(err: unknown): SerializedError {
  if (err instanceof Error)
    return { name: err.name, message: err.message, code: (err as { code?: string }).code };
  return { name: 'Error', message: String(err) };
}

export function reviveError(e: SerializedError): Error {
  const err = new Error(e.message);
  err.name = e.name;
  if (e.code !== undefined) (err as Error & { code?: string }).code = e.code;
  return err;
}
