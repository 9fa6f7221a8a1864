/** Values as SQLite takes them: undefined as NULL, a non-finite number as NULL. */
export const und = <T>(v: T | undefined): T | null => (v === undefined ? null : v);
export const finiteOrNull = (v: number | undefined): number | null =>
  v !== undefined && Number.isFinite(v) ? v : null;
