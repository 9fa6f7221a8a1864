/** The error catalogue: docs/errors.md stays in step with it, and its codes are what the parts send. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ApiError, conflict } from './api/api-error.ts';
import { ERROR_CATALOGUE, FuseboxError, errorsDocument } from './error-catalogue.ts';
import type { ErrorCode } from './error-catalogue.ts';
import { ERRORS_MD_PATH, normaliseMarkdown } from './errors-doc.ts';
import { EXCEPTION } from './modbus/modbus-exception.ts';
import {
  NoSessionError,
  StationOfflineError,
  UnknownPortError,
  UnknownStationError,
} from './ocpp/ocpp-errors.ts';

describe('the error catalogue', () => {
  it('generates docs/errors.md (run `npm run docs:errors` and commit the file)', () => {
    expect(normaliseMarkdown(readFileSync(ERRORS_MD_PATH, 'utf8'))).toBe(normaliseMarkdown(errorsDocument()));
  });

  it('holds the codes the OCPP operator commands throw', () => {
    for (const err of [
      new UnknownStationError('x'),
      new UnknownPortError('x'),
      new StationOfflineError('x'),
      new NoSessionError('x'),
    ])
      expect(Object.keys(ERROR_CATALOGUE)).toContain(err.code);
  });

  it('is the code errors carry, and a wrapped error is kept as cause', () => {
    const lost = new Error('socket closed');
    const offline = new StationOfflineError('st-1');
    expect(offline).toBeInstanceOf(FuseboxError);
    expect(offline.code).toBe('OCPP_STATION_OFFLINE');
    const answer = conflict(offline.message, { cause: offline });
    expect(answer).toMatchObject({
      code: 'API_CONFLICT',
      error: 'conflict',
      statusCode: 409,
      cause: offline,
    });
    const failed = new ApiError(502, 'station_error', 'no answer', { cause: lost });
    expect(failed).toMatchObject({ code: 'API_STATION_ERROR', cause: lost });
    expect(new FuseboxError('CONFIG_UNREADABLE', 'site.yaml: cannot read', { cause: lost }).cause).toBe(lost);
  });

  it('holds every Modbus exception Fusebox sends, by number', () => {
    const wires = Object.values(ERROR_CATALOGUE)
      .filter((e) => e.area === 'modbus')
      .map((e) => ('wire' in e ? e.wire : undefined));
    expect(wires.sort()).toEqual(Object.values(EXCEPTION).sort());
  });

  it('gives each wire value of an area one code', () => {
    const seen = new Map<string, ErrorCode>();
    for (const [code, e] of Object.entries(ERROR_CATALOGUE) as [
      ErrorCode,
      (typeof ERROR_CATALOGUE)[ErrorCode],
    ][]) {
      if (!('wire' in e)) continue;
      const key = `${e.area}:${e.wire}`;
      expect(seen.get(key), `${code} and ${seen.get(key)} share ${key}`).toBeUndefined();
      seen.set(key, code);
    }
  });
});
